using Npgsql;
using OrleansAgents.Runs;

namespace OrleansAgents.Journal;

/// <summary>Reads of the run journal and the runs table: a run's own on its server, the rest on every server (<see cref="RunDataSources"/>).</summary>
public sealed class JournalStore(RunDataSources sources)
{
    /// <summary>Committed events of a run with <c>seq &gt; afterSeq</c>, in order, at most <paramref name="max"/>.</summary>
    public async Task<List<RunEvent>> ReadEventsAsync(string runId, long afterSeq, int max, CancellationToken cancellationToken = default)
    {
        await using var command = sources.ForRun(runId).CreateCommand(
            "SELECT seq, type, at, data::text FROM oa_run_events WHERE run_id = $1 AND seq > $2 ORDER BY seq LIMIT $3");
        command.Parameters.AddWithValue(runId);
        command.Parameters.AddWithValue(afterSeq);
        command.Parameters.AddWithValue((long)max);
        var events = new List<RunEvent>(Math.Min(max, 64)); // most reads are a follower's few events, not a page
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(new RunEvent(
                runId,
                reader.GetInt64(0),
                reader.GetString(1),
                new DateTimeOffset(reader.GetDateTime(2), TimeSpan.Zero),
                reader.GetString(3)));
        }

        return events;
    }

    /// <summary>The last committed event of a run, or null when it has none.</summary>
    public async Task<RunEvent?> ReadLastEventAsync(string runId, CancellationToken cancellationToken = default)
    {
        await using var command = sources.ForRun(runId).CreateCommand(
            "SELECT seq, type, at, data::text FROM oa_run_events WHERE run_id = $1 ORDER BY seq DESC LIMIT 1");
        command.Parameters.AddWithValue(runId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new RunEvent(runId, reader.GetInt64(0), reader.GetString(1), new DateTimeOffset(reader.GetDateTime(2), TimeSpan.Zero), reader.GetString(3))
            : null;
    }

    /// <summary>A run's latest snapshot (its seq and JSON), or null when it has none.</summary>
    public async Task<(long Seq, string Data)?> ReadSnapshotAsync(string runId, CancellationToken cancellationToken = default)
    {
        await using var command = sources.ForRun(runId).CreateCommand("SELECT seq, data FROM oa_run_snapshots WHERE run_id = $1");
        command.Parameters.AddWithValue(runId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetInt64(0), reader.GetString(1)) : null;
    }

    /// <summary>How many runs of an owner are pending, running or waiting for input (as of their last status change).</summary>
    public async Task<int> CountUnfinishedRunsAsync(string owner, CancellationToken cancellationToken = default)
    {
        var counts = await sources.QueryAllAsync(async source =>
        {
            await using var command = source.CreateCommand(
                "SELECT count(*) FROM oa_runs WHERE owner = $1 AND status IN ('pending', 'running', 'waiting_for_input')");
            command.Parameters.AddWithValue(owner);
            return new List<long> { (long)(await command.ExecuteScalarAsync(cancellationToken))! };
        });
        return (int)counts.Sum();
    }

    /// <summary>Every committed event of a run, in order.</summary>
    public Task<List<RunEvent>> ReadAllEventsAsync(string runId, CancellationToken cancellationToken = default) =>
        ReadEventsAsync(runId, 0, int.MaxValue, cancellationToken);

    /// <summary>Runs still pending or running whose last commit came from <paramref name="silo"/>.</summary>
    public Task<List<string>> FindActiveRunsOnSiloAsync(string silo, CancellationToken cancellationToken = default) =>
        ReadRunIdsAsync("SELECT run_id FROM oa_runs WHERE silo = $1 AND status IN ('pending', 'running')", silo, cancellationToken);

    /// <summary>Runs still pending or running whose last commit came from none of <paramref name="liveSilos"/>.</summary>
    public Task<List<string>> FindOrphanedRunsAsync(string[] liveSilos, CancellationToken cancellationToken = default) =>
        ReadRunIdsAsync(
            "SELECT run_id FROM oa_runs WHERE status IN ('pending', 'running') AND (silo IS NULL OR NOT (silo = ANY($1)))",
            liveSilos, cancellationToken);

    private Task<List<string>> ReadRunIdsAsync<T>(string sql, T parameter, CancellationToken cancellationToken) =>
        sources.QueryAllAsync(async source =>
        {
            await using var command = source.CreateCommand(sql);
            command.Parameters.Add(new NpgsqlParameter<T> { TypedValue = parameter });
            var runs = new List<string>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                runs.Add(reader.GetString(0));
            }

            return runs;
        });
}
