using Polly;
using OrleansAgents.Runs;

namespace OrleansAgents.Recovery;

/// <summary>
/// How recovery (<see cref="DeadSiloRecoveryService"/>, <see cref="RunReactivator"/>) keeps trying to list and wake
/// runs: every failure but cancellation again (the directory may still point at a dead silo, PostgreSQL may be down),
/// with exponential backoff and jitter from 100 ms to 5 s, for <see cref="RunOptions.RecoveryRetryLimit"/> in all.
/// </summary>
internal static class RecoveryRetry
{
    public static ResiliencePipeline For(RunOptions options) => UnavailableRetry.Within(
        options.RecoveryRetryLimit, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5), ex => ex is not OperationCanceledException);
}
