-- OrleansAgents schema, version 4: bounded runs. A snapshot per run, so a resume reads the snapshot and the
-- events after it instead of the whole journal; and an index for the per-owner limit of unfinished runs.

-- The latest snapshot of each unfinished run: its state (counters, pending step, gate, owner, version) and
-- its agent's memory as of seq. Written in the same statement as the events of that seq, replacing the
-- previous one; a cache of the journal's fold, never the record (a snapshot a build cannot read is ignored).
CREATE TABLE oa_run_snapshots
(
    run_id text   NOT NULL PRIMARY KEY,
    seq    bigint NOT NULL,
    data   text   NOT NULL
);

-- A start counts the owner's unfinished runs (OrleansAgents:Runs:Quotas:MaxUnfinishedRunsPerOwner).
CREATE INDEX ix_oa_runs_unfinished_owner ON oa_runs (owner) WHERE status IN ('pending', 'running', 'waiting_for_input');
