using Npgsql;
using OrleansAgents.Runs;

namespace OrleansAgents.Journal;

/// <summary>Reads of the run journal and the runs table.</summary>
public sealed class JournalStore(NpgsqlDataSource dataSource)
{
    /// <summary>Committed events of a run with <c>seq &gt; afterSeq</c>, in order, at most <paramref name="max"/>.</summary>
    public async Task<List<RunEvent>> ReadEventsAsync(string runId, long afterSeq, int max, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT seq, type, at, data::text FROM oa_run_events WHERE run_id = $1 AND seq > $2 ORDER BY seq LIMIT $3");
        command.Parameters.AddWithValue(runId);
        command.Parameters.AddWithValue(afterSeq);
        command.Parameters.AddWithValue((long)max);
        var events = new List<RunEvent>(Math.Min(max, 1024));
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

    /// <summary>Every committed event of a run, in order.</summary>
    public Task<List<RunEvent>> ReadAllEventsAsync(string runId, CancellationToken cancellationToken = default) =>
        ReadEventsAsync(runId, 0, int.MaxValue, cancellationToken);

    /// <summary>Runs still pending or running whose last commit came from <paramref name="silo"/>.</summary>
    public async Task<List<string>> FindActiveRunsOnSiloAsync(string silo, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT run_id FROM oa_runs WHERE silo = $1 AND status IN ('pending', 'running')");
        command.Parameters.AddWithValue(silo);
        var runs = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            runs.Add(reader.GetString(0));
        }

        return runs;
    }
}
