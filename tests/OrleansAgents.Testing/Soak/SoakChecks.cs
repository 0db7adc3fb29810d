using System.Text.Json;
using Npgsql;

namespace OrleansAgents.Testing.Soak;

/// <summary>
/// The promises, checked at the end from PostgreSQL and from every client's record: each run ended as its
/// script expects; seq 1..n; no committed step executed again (the execution audit); no side effect
/// repeated; every watcher saw every event once, in order; every acknowledged command carried out.
/// </summary>
public sealed class SoakChecks(SoakRecord record, string connectionString)
{
    /// <summary>Each run's start and end from its journal (for latency), filled by <see cref="RunAsync"/>.</summary>
    public Dictionary<string, (DateTime Start, DateTime End)> Spans { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, long> Outcomes { get; } = new(StringComparer.Ordinal);

    public async Task RunAsync()
    {
        await using var db = NpgsqlDataSource.Create(connectionString);
        var runs = record.Runs.Values.Where(r => r.Accepted).ToDictionary(r => r.Id, StringComparer.Ordinal);
        var ids = runs.Keys.ToArray();
        var lastSeq = await CheckRunsAsync(db, runs, ids);
        await CheckAuditAsync(db, ids);
        await CheckCommandsAndSideEffectsAsync(db, runs, ids.Where(id => runs[id].Script.Agent == SoakScript.Voice).ToArray());
        CheckWatchers(lastSeq);
    }

    private async Task<Dictionary<string, long>> CheckRunsAsync(NpgsqlDataSource db, Dictionary<string, SoakRun> runs, string[] ids)
    {
        var lastSeq = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var command = db.CreateCommand(
            """
            SELECT e.run_id, coalesce(r.status, 'missing'), e.n, e.lo, e.hi, e.t0, e.t1, e.terminals, e.twice
              FROM (SELECT run_id, count(*) n, min(seq) lo, max(seq) hi,
                           min(at) FILTER (WHERE type = 'run.started') t0,
                           max(at) FILTER (WHERE type IN ('run.succeeded', 'run.failed', 'run.cancelled')) t1,
                           count(*) FILTER (WHERE type IN ('run.succeeded', 'run.failed', 'run.cancelled')) terminals,
                           count(*) FILTER (WHERE type = 'step.completed') - count(DISTINCT data->>'step') FILTER (WHERE type = 'step.completed') twice
                      FROM oa_run_events WHERE run_id = ANY($1) GROUP BY run_id) e
              LEFT JOIN oa_runs r ON r.run_id = e.run_id
            """);
        command.Parameters.AddWithValue(ids);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                var id = reader.GetString(0);
                var status = reader.GetString(1);
                var (n, lo, hi) = (reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4));
                seen.Add(id);
                lastSeq[id] = hi;
                Outcomes[status] = Outcomes.GetValueOrDefault(status) + 1;
                record.Check("runs ended as scripted");
                record.Check("runs with seq 1..n");
                if (n != hi || lo != 1)
                {
                    record.Violation("seq not 1..n", $"{id}: {n} events, seq {lo}..{hi}");
                }

                if (reader.GetInt64(8) > 0)
                {
                    record.Violation("step committed twice", id);
                }

                if (reader.IsDBNull(6) || reader.GetInt64(7) != 1)
                {
                    record.Violation("run did not end", $"{id}: {status}, {reader.GetInt64(7)} terminal events");
                    continue;
                }

                Spans[id] = (reader.GetDateTime(5), reader.GetDateTime(6));
                var run = runs[id];
                var expected = run.CancelAcknowledged ? ["cancelled"]
                    : run.CancelSent ? new[] { "succeeded", "cancelled" }
                    : ["succeeded"];
                if (!expected.Contains(status))
                {
                    record.Violation($"run {status} instead of {string.Join(" or ", expected)}", $"{id} ({run.Script.Agent})");
                }
            }
        }

        foreach (var id in ids.Where(id => !seen.Contains(id)))
        {
            record.Violation("accepted run has no events", id);
        }

        return lastSeq;
    }

    /// <summary>The execution audit records each step body's start before it runs: one after the step's commit is a committed step run again.</summary>
    private async Task CheckAuditAsync(NpgsqlDataSource db, string[] ids)
    {
        await using var command = db.CreateCommand(
            """
            SELECT (SELECT count(*) FROM oa_step_executions WHERE run_id = ANY($1)),
                   (SELECT count(*) FROM oa_run_events WHERE run_id = ANY($1) AND type = 'step.completed'),
                   (SELECT coalesce(string_agg(x.run_id || ':' || x.step, ', '), '')
                      FROM oa_step_executions x
                      JOIN oa_run_events c ON c.run_id = x.run_id AND c.type = 'step.completed' AND (c.data->>'step')::int = x.step
                     WHERE x.run_id = ANY($1) AND x.started_at > c.at)
            """);
        command.Parameters.AddWithValue(ids);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        record.Check("step executions audited", reader.GetInt64(0));
        record.Check("committed steps checked for re-execution", reader.GetInt64(1));
        if (reader.GetInt64(0) == 0 && reader.GetInt64(1) > 0)
        {
            record.Violation("execution audit off", "no oa_step_executions rows: start the workers with OrleansAgents__Journal__AuditStepExecutions=true");
        }

        foreach (var rerun in reader.GetString(2).Split(", ", StringSplitOptions.RemoveEmptyEntries))
        {
            record.Violation("committed step executed again", rerun);
        }
    }

    /// <summary>
    /// Acknowledged commands once each in the journal; a configuration published at most once per run (once
    /// when approved and finished, never when rejected); a notification more than once only where an
    /// outcome-unknown question about it was answered "run again".
    /// </summary>
    private async Task CheckCommandsAndSideEffectsAsync(NpgsqlDataSource db, Dictionary<string, SoakRun> runs, string[] voice)
    {
        var inputs = new Dictionary<string, List<(string Type, JsonElement Data)>>(StringComparer.Ordinal);
        await using (var command = db.CreateCommand(
            "SELECT run_id, type, data::text FROM oa_run_events WHERE run_id = ANY($1) AND type IN ('input.requested', 'input.approved', 'input.rejected', 'input.message', 'run.succeeded') ORDER BY run_id, seq"))
        {
            command.Parameters.AddWithValue(voice);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var list = inputs.TryGetValue(reader.GetString(0), out var l) ? l : inputs[reader.GetString(0)] = [];
                list.Add((reader.GetString(1), JsonDocument.Parse(reader.GetString(2)).RootElement.Clone()));
            }
        }

        var published = await CountByRunAsync(db, "SELECT run_id, count(*) FROM oa_published_configurations WHERE run_id = ANY($1) GROUP BY run_id", voice);
        var notified = await CountByRunAsync(db, "SELECT run_id, count(*) FROM oa_notifications WHERE run_id = ANY($1) GROUP BY run_id", voice);
        foreach (var id in voice)
        {
            var run = runs[id];
            var events = inputs.GetValueOrDefault(id) ?? [];
            var types = new Dictionary<string, string> { ["approve"] = "input.approved", ["reject"] = "input.rejected", ["message"] = "input.message" };
            foreach (var (key, kind) in run.Acknowledged)
            {
                record.Check("acknowledged commands carried out");
                var found = events.Count(e => e.Type == types[kind] && e.Data.TryGetProperty("key", out var k) && k.GetString() == key);
                if (found != 1)
                {
                    record.Violation("acknowledged command not carried out once", $"{id} {kind} {key}: {found} times");
                }
            }

            var runAgain = 0;
            string? asking = null;
            var publishApproved = false;
            var publishRejected = false;
            foreach (var (type, data) in events)
            {
                if (type == "input.requested")
                {
                    asking = $"{data.GetProperty("kind").GetString()}:{data.GetProperty("tool").GetString()}";
                }
                else if (type is "input.approved" or "input.rejected" && asking is not null)
                {
                    var approved = type == "input.approved";
                    runAgain += approved && asking == "outcome-unknown:notify_team" ? 1 : 0;
                    publishApproved |= approved && asking == "approval:publish_configuration";
                    publishRejected |= !approved && asking == "approval:publish_configuration";
                    asking = null;
                }
            }

            var succeeded = events.Any(e => e.Type == "run.succeeded");
            var publications = published.GetValueOrDefault(id);
            var notifications = notified.GetValueOrDefault(id);
            record.Check("runs' side effects counted");
            if (publications > 1 || (publishRejected && publications > 0) || (publishApproved && succeeded && publications != 1))
            {
                record.Violation("configuration published wrongly", $"{id}: {publications} publications, approved {publishApproved}, rejected {publishRejected}, succeeded {succeeded}");
            }

            if (notifications > 1 + runAgain)
            {
                record.Violation("notification repeated", $"{id}: {notifications} notifications, {runAgain} answered run again");
            }
        }
    }

    private void CheckWatchers(Dictionary<string, long> lastSeq)
    {
        foreach (var watch in record.Watches)
        {
            record.Check($"{watch.Kind} watchers");
            record.Check("events delivered to watchers", watch.Seqs.Count);
            record.Check("watcher reconnects", watch.Reconnects);
            if (!record.Runs.TryGetValue(watch.RunId, out var run) || !run.Accepted || !lastSeq.TryGetValue(watch.RunId, out var hi))
            {
                continue;
            }

            if (!watch.SawEnd)
            {
                record.Violation("watcher did not see the end", $"{watch.Kind} {watch.RunId}: {watch.Seqs.Count} of {hi} events; {watch.Error}");
            }
            else if (watch.Seqs.Count != hi || watch.Seqs.Where((s, i) => s != i + 1).Any())
            {
                var first = watch.Seqs.Select((s, i) => (s, i)).FirstOrDefault(p => p.s != p.i + 1);
                record.Violation("watcher saw events missing, repeated or out of order",
                    $"{watch.Kind} {watch.RunId}: {watch.Seqs.Count} events for seq 1..{hi}; first wrong at position {first.i + 1}: {first.s}");
            }
        }
    }

    private static async Task<Dictionary<string, long>> CountByRunAsync(NpgsqlDataSource db, string sql, string[] ids)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var command = db.CreateCommand(sql);
        command.Parameters.AddWithValue(ids);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            counts[reader.GetString(0)] = reader.GetInt64(1);
        }

        return counts;
    }
}
