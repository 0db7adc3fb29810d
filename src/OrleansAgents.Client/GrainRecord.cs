using OrleansAgents.Following;
using OrleansAgents.Runs;

namespace OrleansAgents.Client;

/// <summary>A run's record read through its grain (which reads the journal), asked again while a silo dies or starts.</summary>
internal sealed class GrainRecord(IAgentRunGrain run) : IRunEventRecord
{
    private const int Attempts = 60;
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(250);

    public Task<IReadOnlyList<RunEvent>> ReadAsync(long after, int limit, CancellationToken cancellationToken) =>
        AskAsync(() => run.GetEventsAsync(after, limit), cancellationToken);

    public async Task<bool> EndedAtOrBeforeAsync(long after, CancellationToken cancellationToken)
    {
        var snapshot = await AskAsync(run.GetStatusAsync, cancellationToken);
        return snapshot.Status is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Cancelled && snapshot.LastSeq <= after;
    }

    private static async Task<T> AskAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call().WaitAsync(cancellationToken);
            }
            catch (Exception ex) when (attempt < Attempts && ex is not RunNotFoundException && !cancellationToken.IsCancellationRequested)
            {
                // A silo died or is starting: the run is still there; ask again.
                await Task.Delay(Pause, cancellationToken);
            }
        }
    }
}
