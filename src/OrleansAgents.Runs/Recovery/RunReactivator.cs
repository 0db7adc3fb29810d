using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansAgents.Runs;

namespace OrleansAgents.Recovery;

/// <summary>
/// Brings back unfinished runs whose activation went away while their silo lives on: the runtime may
/// deactivate an activation whose grain-directory entry was lost with a dead silo, or collect it. A run
/// that stops for any reason but shutdown is woken again from outside the grain, within moments.
/// </summary>
public sealed class RunReactivator(IGrainFactory grains, ILogger<RunReactivator> logger) : BackgroundService
{
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(100);
    private readonly Channel<string> _queue = Channel.CreateUnbounded<string>();

    /// <summary>Asks for the run to be woken once its current activation is gone.</summary>
    public void Schedule(string runId) => _queue.Writer.TryWrite(runId);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var runId in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                _ = WakeAsync(runId, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task WakeAsync(string runId, CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= 10 && !cancellationToken.IsCancellationRequested; attempt++)
        {
            try
            {
                await Task.Delay(Settle * attempt, cancellationToken);
                await grains.GetGrain<IAgentRunGrain>(runId).WakeAsync();
                Log.Woken(logger, runId, attempt);
                return;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Log.WakeFailed(logger, runId, attempt, ex.Message);
            }
        }
    }
}
