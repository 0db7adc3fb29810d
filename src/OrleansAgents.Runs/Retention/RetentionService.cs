using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansAgents.Journal;

namespace OrleansAgents.Runs.Retention;

/// <summary>
/// Removes finished runs older than <see cref="RetentionOptions.FinishedRuns"/>, in batches. Each run removes
/// itself (<see cref="IRunRetentionGrain"/>): its activation is the one place that can also forget what it
/// holds in memory, so a removed run reads as unknown at once and a start under its ID is a new run.
/// </summary>
internal sealed class RetentionService(
    RunDataSources sources,
    IGrainFactory grains,
    IOptions<RetentionOptions> options,
    TimeProvider time,
    ILogger<RetentionService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.FinishedRuns is not { } keep)
        {
            return;
        }

        using var timer = new PeriodicTimer(options.Value.SweepPeriod, time);
        try
        {
            do
            {
                try
                {
                    await SweepAsync(time.GetUtcNow() - keep, stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    Log.RetentionFailed(logger, ex.Message);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Removes every run that ended before <paramref name="cutoff"/>, a batch at a time.</summary>
    public async Task<int> SweepAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var removed = 0;
        (DateTime At, string Id) after = (DateTime.MinValue, "");
        while (true)
        {
            var batch = await ReadDueAsync(cutoff, after, cancellationToken);
            if (batch.Count == 0)
            {
                break;
            }

            await Parallel.ForEachAsync(
                batch,
                new ParallelOptions { MaxDegreeOfParallelism = options.Value.Concurrency, CancellationToken = cancellationToken },
                async (run, _) =>
                {
                    if (await grains.GetGrain<IRunRetentionGrain>(run.Id).ExpireAsync(cutoff))
                    {
                        Interlocked.Increment(ref removed);
                    }
                });
            after = batch[^1];
        }

        if (removed > 0)
        {
            Log.RetentionSwept(logger, removed, cutoff);
        }

        return removed;
    }

    /// <summary>The next batch of due runs after <paramref name="after"/>, in (updated_at, run_id) order across every journal server.</summary>
    private async Task<List<(DateTime At, string Id)>> ReadDueAsync(DateTimeOffset cutoff, (DateTime At, string Id) after, CancellationToken cancellationToken)
    {
        var due = await sources.QueryAllAsync(async source =>
        {
            await using var command = source.CreateCommand(
                """
                SELECT updated_at, run_id FROM oa_runs
                 WHERE status IN ('succeeded', 'failed', 'cancelled') AND updated_at < $1 AND (updated_at, run_id) > ($2, $3)
                 ORDER BY updated_at, run_id LIMIT $4
                """);
            command.Parameters.AddWithValue(cutoff.UtcDateTime);
            command.Parameters.AddWithValue(DateTime.SpecifyKind(after.At, DateTimeKind.Utc));
            command.Parameters.AddWithValue(after.Id);
            command.Parameters.AddWithValue(options.Value.BatchSize);
            var part = new List<(DateTime, string)>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                part.Add((reader.GetDateTime(0), reader.GetString(1)));
            }

            return part;
        });
        return [.. due.OrderBy(d => d.Item1).ThenBy(d => d.Item2, StringComparer.Ordinal).Take(options.Value.BatchSize)];
    }
}
