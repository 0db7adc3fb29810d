-- Where a throughput workload's run latency goes, from the journal's own timestamps: the last :runs
-- bench runs (run it right after one W1 or W2), times relative to the first run's header creation.
--   created(header)     the grain has activated and is about to write its header (IPersistentState)
--   run.started at      the header write has returned; the first journal commit is being queued
--   first step.started  same batch as run.started
--   run.succeeded       the terminal commit
--   steps span/10       (run.succeeded - first step.started) / 10: one step cycle for 10-step runs
-- Usage: psql "host=127.0.0.1 port=55432 user=postgres dbname=orleans_agents" -v runs=500 -f bench/w2-timeline.sql
WITH last AS (
  SELECT run_id, created_at FROM oa_runs WHERE agent = 'bench' ORDER BY created_at DESC LIMIT :runs
), t0 AS (SELECT min(created_at) t0 FROM last),
ev AS (
  SELECT e.run_id, e.seq, e.type, e.at, (e.data->>'step')::int AS step FROM oa_run_events e JOIN last USING (run_id)
),
per_run AS (
  SELECT l.run_id,
    extract(epoch FROM (l.created_at - t0.t0))*1000 AS created_ms,
    extract(epoch FROM (min(ev.at) FILTER (WHERE ev.type='run.started') - t0.t0))*1000 AS started_ms,
    extract(epoch FROM (min(ev.at) FILTER (WHERE ev.type='step.started') - t0.t0))*1000 AS first_step_ms,
    extract(epoch FROM (max(ev.at) FILTER (WHERE ev.type='run.succeeded') - t0.t0))*1000 AS done_ms
  FROM last l CROSS JOIN t0 JOIN ev USING (run_id) GROUP BY l.run_id, l.created_at, t0.t0
)
SELECT 'created(header)' what, percentile_cont(0.5) WITHIN GROUP (ORDER BY created_ms)::int p50, max(created_ms)::int mx FROM per_run
UNION ALL SELECT 'run.started at', percentile_cont(0.5) WITHIN GROUP (ORDER BY started_ms)::int, max(started_ms)::int FROM per_run
UNION ALL SELECT 'first step.started', percentile_cont(0.5) WITHIN GROUP (ORDER BY first_step_ms)::int, max(first_step_ms)::int FROM per_run
UNION ALL SELECT 'run.succeeded', percentile_cont(0.5) WITHIN GROUP (ORDER BY done_ms)::int, max(done_ms)::int FROM per_run
UNION ALL SELECT 'steps span/10', percentile_cont(0.5) WITHIN GROUP (ORDER BY (done_ms-first_step_ms)/10)::int, max((done_ms-first_step_ms)/10)::int FROM per_run;
