using OrleansAgents.Journal;

namespace OrleansAgents.Web.Responses;

/// <summary><c>oa_responses</c>, on the run's journal server: written before the run or the answer it records, so an accepted response always has its row.</summary>
public sealed class ResponseStore(RunDataSources sources)
{
    /// <summary>Records a response; one already recorded under the ID (a retried request) stays as it was.</summary>
    public async Task AddAsync(ResponseRecord record, CancellationToken cancellationToken)
    {
        await using var command = sources.ForRun(record.RunId).CreateCommand(
            """
            INSERT INTO oa_responses (response_id, run_id, background, metadata, created_at, previous_response_id)
            VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (response_id) DO NOTHING
            """);
        command.Parameters.AddWithValue(record.Id);
        command.Parameters.AddWithValue(record.RunId);
        command.Parameters.AddWithValue(record.Background);
        command.Parameters.AddWithValue(record.Metadata);
        command.Parameters.AddWithValue(record.CreatedAt);
        command.Parameters.AddWithValue((object?)record.PreviousResponseId ?? DBNull.Value);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Removes the row of a response whose run was refused (it never existed).</summary>
    public async Task RemoveUnstartedAsync(string id, string runId, CancellationToken cancellationToken)
    {
        await using var command = sources.ForRun(runId).CreateCommand(
            "DELETE FROM oa_responses WHERE response_id = $1 AND NOT EXISTS (SELECT 1 FROM oa_run_events WHERE run_id = $2)");
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(runId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Marks a response deleted while its run goes on (a later response continues it): it is not found from then on.
    /// A response with no row (its run started, or its question answered, through <c>/api</c>) gets one.
    /// </summary>
    public async Task HideAsync(string id, string runId, CancellationToken cancellationToken)
    {
        await using var command = sources.ForRun(runId).CreateCommand(
            """
            INSERT INTO oa_responses (response_id, run_id, background, metadata, created_at, previous_response_id, deleted_at)
            VALUES ($1, $2, true, '{}', now(), NULL, now())
            ON CONFLICT (response_id) DO UPDATE SET deleted_at = coalesce(oa_responses.deleted_at, now())
            """);
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(runId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<ResponseRecord?> GetAsync(string id, string runId, CancellationToken cancellationToken)
    {
        await using var command = sources.ForRun(runId).CreateCommand(
            "SELECT background, metadata, created_at, previous_response_id, deleted_at FROM oa_responses WHERE response_id = $1");
        command.Parameters.AddWithValue(id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new ResponseRecord(id, runId, reader.GetBoolean(0), reader.GetString(1), new DateTimeOffset(reader.GetDateTime(2), TimeSpan.Zero),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : new DateTimeOffset(reader.GetDateTime(4), TimeSpan.Zero))
            : null;
    }
}
