-- OrleansAgents schema, version 2: the runs table and the append-only run journal.

-- One row per run, for listing and recovery. Written in the same statement as the run's events
-- whenever the run's status or silo changes (start, resume, waiting, end), not per step: last_seq,
-- steps and updated_at are as of that change. The journal is the record of progress.
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
    data   json        NOT NULL,
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
