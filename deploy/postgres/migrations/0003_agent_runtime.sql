-- OrleansAgents schema, version 3: the agent runtime. Where the voice-agent-builder's tools leave their
-- side effects, and token usage in the runs table.

-- Published voice-agent configurations. The idempotency key (run:step) is the primary key: publishing
-- again with the same key (a retried or resumed tool call) changes nothing.
CREATE TABLE oa_published_configurations
(
    idempotency_key text        NOT NULL PRIMARY KEY,
    run_id          text        NOT NULL,
    name            text        NOT NULL,
    configuration   jsonb       NOT NULL,
    summary         text        NOT NULL,
    published_at    timestamptz NOT NULL DEFAULT now()
);

-- Team notifications: a plain outbox with no deduplication, like most chat and e-mail APIs. The tool
-- that writes here is declared not idempotent, so a call cut off mid-way is never repeated silently.
CREATE TABLE oa_notifications
(
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id          text        NOT NULL,
    idempotency_key text        NOT NULL,
    channel         text        NOT NULL,
    message         text        NOT NULL,
    sent_at         timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX ix_oa_notifications_key ON oa_notifications (idempotency_key);

-- Model tokens of a run, as of its last status change (exact once the run has ended), for run lists.
ALTER TABLE oa_runs ADD COLUMN total_tokens bigint NOT NULL DEFAULT 0;
