using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansAgents.Journal;
using Polly;
using OrleansAgents.Runs;

namespace OrleansAgents.Recovery;

/// <summary>
/// Wakes the unfinished runs of a silo as soon as the cluster declares it dead, so they resume on a
/// survivor within the failure-detection time instead of at their next reminder tick. Every surviving
/// silo does this; waking is idempotent, and the keep-alive reminder stays the backstop. When a silo
/// becomes active it also sweeps once for unfinished runs whose silo is no longer in the cluster
/// (the whole cluster was down).
/// </summary>
public sealed class DeadSiloRecoveryService(
    IClusterMembershipService membership,
    ILocalSiloDetails localSilo,
    IGrainFactory grains,
    JournalStore store,
    IOptions<RunOptions> runOptions,
    ILogger<DeadSiloRecoveryService> logger) : BackgroundService
{
    private ResiliencePipeline? _retry;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var known = new Dictionary<SiloAddress, SiloStatus>();
        var swept = false;
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(stoppingToken))
            {
                if (!swept && snapshot.GetSiloStatus(localSilo.SiloAddress) == SiloStatus.Active)
                {
                    // Once this silo is active: wake runs whose silo is gone, e.g. after the whole cluster stopped.
                    swept = true;
                    var live = snapshot.Members.Values.Where(m => m.Status == SiloStatus.Active)
                        .Select(m => m.SiloAddress.ToParsableString()).ToArray();
                    _ = SweepAsync(live, stoppingToken);
                }

                foreach (var (address, member) in snapshot.Members)
                {
                    var wasDead = known.TryGetValue(address, out var previous) && previous == SiloStatus.Dead;
                    known[address] = member.Status;
                    if (member.Status == SiloStatus.Dead && !wasDead && !address.Equals(localSilo.SiloAddress)
                        && previous != SiloStatus.None)
                    {
                        _ = RecoverAsync(address, stoppingToken);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task SweepAsync(string[] liveSilos, CancellationToken cancellationToken)
    {
        try
        {
            var runs = await Retry.ExecuteAsync(async ct => await store.FindOrphanedRunsAsync(liveSilos, ct), cancellationToken);
            if (runs.Count > 0)
            {
                Log.Sweeping(logger, runs.Count);
                await WakeAllAsync(runs, cancellationToken);
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            Log.SweepFailed(logger, ex);
        }
    }

    private Task WakeAllAsync(List<string> runs, CancellationToken cancellationToken) =>
        Parallel.ForEachAsync(
            runs,
            new ParallelOptions { MaxDegreeOfParallelism = runOptions.Value.RecoveryWakeConcurrency, CancellationToken = cancellationToken },
            async (runId, ct) => await WakeAsync(runId, ct));

    private async Task RecoverAsync(SiloAddress deadSilo, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            // PostgreSQL may be down when the silo dies (or be why it died): keep asking, within the limit.
            var runs = await Retry.ExecuteAsync(async ct => await store.FindActiveRunsOnSiloAsync(deadSilo.ToParsableString(), ct), cancellationToken);
            Log.Recovering(logger, deadSilo, runs.Count);
            await WakeAllAsync(runs, cancellationToken);
            var elapsed = Stopwatch.GetElapsedTime(started);
            Log.Recovered(logger, deadSilo, runs.Count, elapsed);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            Log.RecoveryFailed(logger, deadSilo, ex);
        }
    }

    /// <summary>
    /// Wakes one run, retrying while the directory still points at the dead silo or PostgreSQL is down. A run
    /// that cannot be woken within the limit is logged and left to its reminder; the others are woken regardless.
    /// </summary>
    private async Task WakeAsync(string runId, CancellationToken cancellationToken)
    {
        try
        {
            await Retry.ExecuteAsync(async _ => await grains.GetGrain<IAgentRunGrain>(runId).WakeAsync(), cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            Log.WakeGaveUp(logger, runId, ex.Message);
        }
    }

    private ResiliencePipeline Retry => _retry ??= RecoveryRetry.For(runOptions.Value);
}
