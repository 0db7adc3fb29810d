using Microsoft.Extensions.Options;
using Npgsql;
using OrleansAgents.Journal;

namespace OrleansAgents.Web.Infrastructure;

/// <summary>
/// Periodic clean-up: the stream PubSub rows of finished runs (one per run stream, never removed by
/// Orleans). Retention of whole runs is the workers' (<c>OrleansAgents:Retention</c>).
/// </summary>
public sealed partial class HousekeepingService(RunDataSources sources, IOptions<FrontEndOptions> options, ILogger<HousekeepingService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.HousekeepingPeriod);
        do
        {
            try
            {
                await CleanAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                Log.HousekeepingFailed(logger, ex.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public async Task CleanAsync(CancellationToken cancellationToken)
    {
        var prefix = $"{OrleansAgentsNames.StreamProvider}/{OrleansAgentsNames.RunEventsNamespace}/";
        var removed = sources.IsSharded ? await CleanShardedAsync(prefix, cancellationToken) : await CleanTogetherAsync(prefix, cancellationToken);
        if (removed > 0)
        {
            Log.PubSubCleaned(logger, removed);
        }
    }

    /// <summary>The journal in the cluster's database: one statement.</summary>
    private async Task<int> CleanTogetherAsync(string prefix, CancellationToken cancellationToken)
    {
        // PubSubRendezvousGrain state is keyed by the stream ID, whose key part is the run ID.
        await using var pubsub = sources.Cluster.CreateCommand(
            """
            DELETE FROM orleansstorage s
             USING oa_runs r
             WHERE s.graintypestring = 'PubSubRendezvousGrain'
               AND s.grainidextensionstring = $2 || r.run_id
               AND r.status IN ('succeeded', 'failed', 'cancelled')
               AND r.updated_at < now() - $1::interval
            """);
        pubsub.Parameters.AddWithValue(options.Value.StreamStateGrace);
        pubsub.Parameters.AddWithValue(prefix);
        return await pubsub.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The journal on servers of its own: the PubSub rows (few: watched runs) first, then their runs' status on their servers.</summary>
    private async Task<int> CleanShardedAsync(string prefix, CancellationToken cancellationToken)
    {
        var watched = new List<string>();
        await using (var read = sources.Cluster.CreateCommand(
            "SELECT grainidextensionstring FROM orleansstorage WHERE graintypestring = 'PubSubRendezvousGrain' AND starts_with(grainidextensionstring, $1)"))
        {
            read.Parameters.AddWithValue(prefix);
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                watched.Add(reader.GetString(0)[prefix.Length..]);
            }
        }

        var finished = new List<string>();
        foreach (var group in watched.GroupBy(sources.ForRun))
        {
            await using var status = group.Key.CreateCommand(
                "SELECT run_id FROM oa_runs WHERE run_id = ANY($1) AND status IN ('succeeded', 'failed', 'cancelled') AND updated_at < now() - $2::interval");
            status.Parameters.AddWithValue(group.ToArray());
            status.Parameters.AddWithValue(options.Value.StreamStateGrace);
            await using var reader = await status.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                finished.Add(prefix + reader.GetString(0));
            }
        }

        if (finished.Count == 0)
        {
            return 0;
        }

        await using var delete = sources.Cluster.CreateCommand(
            "DELETE FROM orleansstorage WHERE graintypestring = 'PubSubRendezvousGrain' AND grainidextensionstring = ANY($1)");
        delete.Parameters.AddWithValue(finished.ToArray());
        return await delete.ExecuteNonQueryAsync(cancellationToken);
    }
}
