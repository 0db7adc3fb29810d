using System.Globalization;
using System.Text;
using Npgsql;
using OrleansAgents.Journal;
using OrleansAgents.Runs;
using OrleansAgents.Web.Apis;

namespace OrleansAgents.Web.Infrastructure;

/// <summary>
/// Listing runs from the runs table, newest first, with keyset paging; an unfinished run's sequence number,
/// steps and tokens come from its journal, since the runs table follows status changes only, and every
/// run's step count asked for (<c>maxSteps</c>) from its <c>run.started</c> event.
/// </summary>
public sealed class RunQueries(RunDataSources sources)
{
    /// <summary>
    /// One page, newest first. With the journal on several servers each is asked for the same page and the
    /// answers are merged (ties on the creation instant are ordered by run ID, ordinally).
    /// </summary>
    public async Task<RunPage> ListAsync(string? owner, RunStatus? status, string? agent, int limit, (DateTime CreatedAt, string RunId)? cursor, CancellationToken cancellationToken)
    {
        var rows = await sources.QueryAllAsync(source => ListOnAsync(source, owner, status, agent, limit, cursor, cancellationToken));
        if (sources.All.Count > 1)
        {
            rows = [.. rows.OrderByDescending(r => r.Key.CreatedAt).ThenByDescending(r => r.Key.RunId, StringComparer.Ordinal).Take(limit + 1)];
        }

        var items = rows.Select(r => r.Run).ToList();
        string? next = null;
        if (items.Count > limit)
        {
            items.RemoveAt(limit);
            next = EncodeCursor(rows[limit - 1].Key);
        }

        return new RunPage(items, next);
    }

    private static async Task<List<(RunResource Run, (DateTime CreatedAt, string RunId) Key)>> ListOnAsync(
        NpgsqlDataSource dataSource, string? owner, RunStatus? status, string? agent, int limit, (DateTime CreatedAt, string RunId)? cursor, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT r.run_id, r.owner, r.agent, r.status, r.created_at, r.updated_at,
                   coalesce(live.last_seq, r.last_seq), coalesce(live.steps, r.steps), coalesce(live.total_tokens, r.total_tokens),
                   started.max_steps
              FROM (SELECT run_id, owner, agent, status, created_at, updated_at, last_seq, steps, total_tokens
                      FROM oa_runs
                     WHERE ($1::text IS NULL OR owner = $1)
                       AND ($2::text IS NULL OR status = $2)
                       AND ($3::text IS NULL OR agent = $3)
                       AND ($4::timestamptz IS NULL OR (created_at, run_id) < ($4, $5))
                     ORDER BY created_at DESC, run_id DESC
                     LIMIT $6) r
              -- The runs table is written on status changes only; an unfinished run's progress is its journal's.
              -- The status test sits inside the subquery, where it is a one-time filter: a finished run's
              -- events are never read (in the ON clause the events of every listed run were aggregated).
              LEFT JOIN LATERAL (
                    SELECT max(e.seq) AS last_seq,
                           count(*) FILTER (WHERE e.type = 'step.completed')::int AS steps,
                           coalesce(sum((e.data -> 'usage' ->> 'totalTokens')::bigint) FILTER (WHERE e.type = 'step.completed'), 0) AS total_tokens
                      FROM oa_run_events e
                     WHERE e.run_id = r.run_id AND r.status IN ('pending', 'running', 'waiting_for_input')
                    HAVING count(*) > 0) live ON true
              -- The step count the run's input asks for (the bench agent's "steps"), from its run.started event:
              -- one primary-key row per listed run; any other value (absent, not a whole number) is null.
              LEFT JOIN LATERAL (
                    SELECT CASE WHEN s.data -> 'input' ->> 'steps' ~ '^[0-9]{1,9}$' THEN (s.data -> 'input' ->> 'steps')::int END AS max_steps
                      FROM oa_run_events s
                     WHERE s.run_id = r.run_id AND s.seq = 1 AND s.type = 'run.started') started ON true
             ORDER BY r.created_at DESC, r.run_id DESC
            """);
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = owner, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = status is { } s ? RunStatusNames.ToDb(s) : null, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = agent, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<DateTime?> { TypedValue = cursor?.CreatedAt, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = cursor?.RunId ?? "", NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit + 1 });

        var rows = new List<(RunResource, (DateTime, string))>(limit + 1);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var created = reader.GetDateTime(4);
            rows.Add((new RunResource(
                reader.GetString(0), reader.GetString(2), reader.GetString(1),
                RunJson.StatusName(RunStatusNames.FromDb(reader.GetString(3))),
                new DateTimeOffset(created, TimeSpan.Zero), new DateTimeOffset(reader.GetDateTime(5), TimeSpan.Zero),
                reader.GetInt64(6), reader.GetInt32(7), null, null,
                reader.GetInt64(8) > 0 ? new UsageResource(null, null, reader.GetInt64(8)) : null,
                MaxSteps: reader.IsDBNull(9) ? null : reader.GetInt32(9)), (created, reader.GetString(0))));
        }

        return rows;
    }

    public static string EncodeCursor((DateTime CreatedAt, string RunId) key) =>
        System.Buffers.Text.Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{key.CreatedAt.Ticks.ToString(CultureInfo.InvariantCulture)}|{key.RunId}"));

    public static bool TryDecodeCursor(string text, out (DateTime CreatedAt, string RunId) key)
    {
        key = default;
        try
        {
            var parts = Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(text)).Split('|', 2);
            if (parts.Length == 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                && ticks >= DateTime.MinValue.Ticks && ticks <= DateTime.MaxValue.Ticks)
            {
                key = (new DateTime(ticks, DateTimeKind.Utc), parts[1]);
                return true;
            }
        }
        catch (FormatException)
        {
        }

        return false;
    }
}
