using Microsoft.Extensions.Options;
using Npgsql;

namespace OrleansAgents.Web.Infrastructure;

/// <summary>
/// Periodic clean-up: the stream PubSub rows of finished runs (one per run stream, never removed by
/// Orleans). Retention of whole runs is the workers' (<c>OrleansAgents:Retention</c>).
/// </summary>
public sealed partial class HousekeepingService(NpgsqlDataSource dataSource, IOptions<FrontEndOptions> options, ILogger<HousekeepingService> logger) : BackgroundService
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
                LogFailed(logger, ex.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public async Task CleanAsync(CancellationToken cancellationToken)
    {
        // PubSubRendezvousGrain state is keyed by the stream ID, whose key part is the run ID.
        await using (var pubsub = dataSource.CreateCommand(
            """
            DELETE FROM orleansstorage s
             USING oa_runs r
             WHERE s.graintypestring = 'PubSubRendezvousGrain'
               AND s.grainidextensionstring = $2 || r.run_id
               AND r.status IN ('succeeded', 'failed', 'cancelled')
               AND r.updated_at < now() - $1::interval
            """))
        {
            pubsub.Parameters.AddWithValue(options.Value.StreamStateGrace);
            pubsub.Parameters.AddWithValue($"{OrleansAgentsNames.StreamProvider}/{OrleansAgentsNames.RunEventsNamespace}/");
            var removed = await pubsub.ExecuteNonQueryAsync(cancellationToken);
            if (removed > 0)
            {
                LogPubSubCleaned(logger, removed);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed {Count} stream PubSub rows of finished runs")]
    private static partial void LogPubSubCleaned(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Housekeeping failed; trying again later: {Reason}")]
    private static partial void LogFailed(ILogger logger, string reason);
}
