using OrleansAgents.Runs;
using OrleansAgents.Testing;

namespace OrleansAgents.Runtime.Tests;

/// <summary>Reads a run's record straight from PostgreSQL and checks the journal's invariants.</summary>
internal static class RunJournal
{
    public static async Task<RunSnapshot> WaitForTerminalAsync(AgentsCluster cluster, string runId, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            try
            {
                var snapshot = await cluster.Client.GetGrain<IAgentRunGrain>(runId).GetStatusAsync();
                if (snapshot.Status.IsTerminal())
                {
                    return snapshot;
                }
            }
            catch (Exception) when (!cts.IsCancellationRequested)
            {
                // A silo may be dying under the test; ask again.
            }

            if (cts.IsCancellationRequested)
            {
                throw new TimeoutException($"Run {runId} did not finish in {timeout}. Logs: {cluster.LogDirectory}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>
    /// Waits by watching the runs table only, never calling the grains: runs must finish with nobody
    /// calling them (a status call would itself activate, and so revive, a stalled run).
    /// </summary>
    public static async Task WaitForTerminalInDatabaseAsync(AgentsCluster cluster, IReadOnlyCollection<string> runIds, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            try
            {
                await using var command = cluster.DataSource.CreateCommand(
                    "SELECT count(*) FROM oa_runs WHERE run_id = ANY($1) AND status IN ('succeeded', 'failed', 'cancelled')");
                command.Parameters.AddWithValue(runIds.ToArray());
                if ((long)(await command.ExecuteScalarAsync())! == runIds.Count)
                {
                    return;
                }
            }
            catch (Npgsql.NpgsqlException)
            {
                // PostgreSQL restarted under the test (outage drill): pooled connections die once; ask again.
            }

            if (cts.IsCancellationRequested)
            {
                throw new TimeoutException($"Runs did not finish in {timeout} without being called. Logs: {cluster.LogDirectory}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Waits, by reading the journal only, until the run has an event that matches.</summary>
    public static async Task<RunEvent> WaitForEventAsync(AgentsCluster cluster, string runId, Func<RunEvent, bool> match, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            try
            {
                if ((await ReadEventsAsync(cluster, runId)).FirstOrDefault(match) is { } found)
                {
                    return found;
                }
            }
            catch (Npgsql.NpgsqlException) when (!cts.IsCancellationRequested)
            {
                // Ask again.
            }

            if (cts.IsCancellationRequested)
            {
                throw new TimeoutException($"Run {runId} had no matching event within {timeout}. Logs: {cluster.LogDirectory}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Whether the event has this type and, when <paramref name="tool"/> is given, names that tool.</summary>
    public static bool Is(RunEvent e, string type, string? tool = null) =>
        e.Type == type && (tool is null || e.Data.Contains($"\"{tool}\"", StringComparison.Ordinal));

    public static Task<long> CountAsync(AgentsCluster cluster, string sql, params object[] parameters) =>
        CountAsync(cluster.DataSource, sql, parameters);

    /// <summary>A count on one database (a journal shard, say).</summary>
    public static async Task<long> CountAsync(Npgsql.NpgsqlDataSource source, string sql, params object[] parameters)
    {
        await using var command = source.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.AddWithValue(parameter);
        }

        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public static Task<List<RunEvent>> ReadEventsAsync(AgentsCluster cluster, string runId) => ReadEventsAsync(cluster.DataSource, runId);

    /// <summary>A run's events from one database (its journal shard, say).</summary>
    public static async Task<List<RunEvent>> ReadEventsAsync(Npgsql.NpgsqlDataSource source, string runId)
    {
        await using var command = source.CreateCommand(
            "SELECT seq, type, at, data::text FROM oa_run_events WHERE run_id = $1 ORDER BY seq");
        command.Parameters.AddWithValue(runId);
        var events = new List<RunEvent>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            events.Add(new RunEvent(runId, reader.GetInt64(0), reader.GetString(1), new DateTimeOffset(reader.GetDateTime(2), TimeSpan.Zero), reader.GetString(3)));
        }

        return events;
    }

    /// <summary>Appends events to a run's journal from <paramref name="firstSeq"/> on, as another activation of it would.</summary>
    public static async Task InsertEventsAsync(AgentsCluster cluster, string runId, long firstSeq, params (string Type, string Data)[] events)
    {
        await using var command = cluster.DataSource.CreateCommand(
            "INSERT INTO oa_run_events (run_id, seq, type, at, data) SELECT $1, $2 + o - 1, t, now(), d::json FROM unnest($3::text[], $4::text[]) WITH ORDINALITY AS e(t, d, o)");
        command.Parameters.AddWithValue(runId);
        command.Parameters.AddWithValue(firstSeq);
        command.Parameters.AddWithValue(events.Select(e => e.Type).ToArray());
        command.Parameters.AddWithValue(events.Select(e => e.Data).ToArray());
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>How many times each step body started, from the execution audit.</summary>
    public static async Task<Dictionary<int, int>> ReadExecutionsAsync(AgentsCluster cluster, string runId)
    {
        await using var command = cluster.DataSource.CreateCommand(
            "SELECT step, count(*)::int FROM oa_step_executions WHERE run_id = $1 GROUP BY step");
        command.Parameters.AddWithValue(runId);
        var counts = new Dictionary<int, int>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            counts[reader.GetInt32(0)] = reader.GetInt32(1);
        }

        return counts;
    }

    /// <summary>
    /// The journal's promises, as the fault-injection simulation checks them: seq 1..N with no gap or
    /// duplicate, each step committed exactly once and in order, one terminal event at the end, and the
    /// run's own state machine replays it without a fault.
    /// </summary>
    public static void AssertWellFormed(IReadOnlyList<RunEvent> events, int expectedSteps, string terminalType)
    {
        Assert.NotEmpty(events);
        for (var i = 0; i < events.Count; i++)
        {
            Assert.Equal(i + 1, events[i].Seq);
        }

        Assert.Equal(RunEventTypes.RunStarted, events[0].Type);
        Assert.Equal(terminalType, events[^1].Type);
        Assert.Single(events, e => RunEventTypes.IsTerminal(e.Type));

        var completed = events.Where(e => e.Type == RunEventTypes.StepCompleted).Select(StepOf).ToList();
        Assert.Equal(Enumerable.Range(0, expectedSteps), completed);
        Assert.Null(OrleansAgents.Runs.Core.RunState.Replay(events).Fault);
    }

    public static int StepOf(RunEvent e)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(e.Data);
        return doc.RootElement.GetProperty("step").GetInt32();
    }

    public static string BenchInput(int steps, int stepMs, int bytes = 64) =>
        $$"""{"steps":{{steps}},"stepMs":{{stepMs}},"bytes":{{bytes}}}""";
}
