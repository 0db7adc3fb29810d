-- OrleansAgents schema, version 2: the runs table and the append-only run journal.

-- One row per run, for listing and recovery. Updated in the same transaction as the run's events.
-- Only status changes touch indexed columns, so per-step updates stay HOT (heap-only) updates.
CREATE TABLE oa_runs
(
    run_id        text        NOT NULL PRIMARY KEY,
    owner         text        NOT NULL,
    agent         text        NOT NULL,
    agent_version text        NOT NULL,
    status        text        NOT NULL CHECK (status IN ('pending', 'running', 'waiting_for_input', 'succeeded', 'failed', 'cancelled')),
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    last_seq      bigint      NOT NULL,
    steps         integer     NOT NULL DEFAULT 0,
    silo          text        NULL
) WITH (fillfactor = 70);

CREATE INDEX ix_oa_runs_owner_created ON oa_runs (owner, created_at DESC, run_id DESC);
CREATE INDEX ix_oa_runs_created ON oa_runs (created_at DESC, run_id DESC);
-- Recovery looks up the live runs of a silo that died.
CREATE INDEX ix_oa_runs_active_silo ON oa_runs (silo) WHERE status IN ('pending', 'running');

-- The journal: every run's ordered event history. Sequence numbers are dense per run (1, 2, 3, ...);
-- the primary key is also the fence that stops two activations of one run from both committing.
CREATE TABLE oa_run_events
(
    run_id text        NOT NULL,
    seq    bigint      NOT NULL,
    type   text        NOT NULL,
    at     timestamptz NOT NULL,
    data   jsonb       NOT NULL,
    PRIMARY KEY (run_id, seq)
);

-- Every time a step body starts, when execution auditing is on (drills and tests): the witness that
-- shows whether a committed step ever ran again.
CREATE TABLE oa_step_executions
(
    run_id     text        NOT NULL,
    step       integer     NOT NULL,
    started_at timestamptz NOT NULL DEFAULT now(),
    silo       text        NOT NULL
);

CREATE INDEX ix_oa_step_executions_run ON oa_step_executions (run_id, step);
