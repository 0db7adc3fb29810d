using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansAgents.Runs;
using Polly;

namespace OrleansAgents.Recovery;

/// <summary>
/// Brings back unfinished runs whose activation went away while their silo lives on: the runtime may
/// deactivate an activation whose grain-directory entry was lost with a dead silo, or collect it, or the run
/// let it go when PostgreSQL stayed down. A run that stops for any reason but shutdown is woken again from
/// outside the grain, with backoff for <see cref="RunOptions.RecoveryRetryLimit"/> (an activation cannot load
/// while PostgreSQL is down), after which its reminder, if it has one, is the backstop.
/// </summary>
public sealed class RunReactivator(IGrainFactory grains, IOptions<RunOptions> options, ILogger<RunReactivator> logger) : BackgroundService
{
    private readonly Channel<string> _queue = Channel.CreateUnbounded<string>();
    private ResiliencePipeline? _retry;

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
        var attempt = 0;
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken); // let the old activation go first
            await Retry.ExecuteAsync(async _ =>
            {
                attempt++;
                await grains.GetGrain<IAgentRunGrain>(runId).WakeAsync();
            }, cancellationToken);
            Log.Woken(logger, runId, attempt);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            Log.WakeFailed(logger, runId, attempt, ex.Message);
        }
    }

    /// <summary>After a first wait of 100 ms that lets the old activation go: see <see cref="RecoveryRetry"/>.</summary>
    private ResiliencePipeline Retry => _retry ??= RecoveryRetry.For(options.Value);
}
