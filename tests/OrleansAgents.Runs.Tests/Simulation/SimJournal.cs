using OrleansAgents.Journal;
using OrleansAgents.Runs.Engine;

namespace OrleansAgents.Runs.Tests.Simulation;

/// <summary>
/// The journal writer's contract, simulated with faults: a commit waits in the process, reaches the
/// database (or dies with the process first), and its acknowledgement travels back (or is lost, which the
/// real writer sees as a conflict on its retry). An outage holds commits until it ends, up to the retry
/// limit; a result PostgreSQL cannot store is refused every time.
/// </summary>
internal sealed class SimJournal(SimCluster cluster, SimActivation activation) : IRunJournal
{
    private SimScheduler Scheduler => cluster.Scheduler;

    private SimDatabase Db => cluster.Db;

    public bool AuditsExecutions => false;

    public async Task CommitAsync(JournalCommit commit)
    {
        await HopAsync();
        var waited = TimeSpan.Zero;
        while (Db.IsDown)
        {
            if (waited >= cluster.Options.UnavailableRetryLimit)
            {
                throw new JournalUnavailableException();
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), Scheduler.Clock);
            waited += TimeSpan.FromMilliseconds(50);
        }

        if (commit.Events.Any(e => e.Type == RunEventTypes.StepCompleted && e.Data.Contains(SimAgent.Poison, StringComparison.Ordinal)))
        {
            throw new JournalRejectedException(commit.RunId, new InvalidOperationException("simulated: PostgreSQL refuses this value"));
        }

        if (!Db.TryApply(commit, activation.Name))
        {
            throw new JournalConflictException(commit.RunId);
        }

        switch (cluster.CommitFault())
        {
            case CommitFault.AckLost:
                Db.Note($"{commit.RunId} ack lost ({activation.Name})");
                Db.Disrupted(commit.RunId);
                throw new JournalConflictException(commit.RunId);
            case CommitFault.DieAfterCommit:
                cluster.Kill(activation, "after a commit reached the database");
                break;
        }

        await HopAsync();
    }

    public async Task<IReadOnlyList<RunEvent>> ReadAllAsync(string runId)
    {
        await HopAsync();
        ThrowIfDown();
        return Db.Journal(runId);
    }

    public async Task<RunJournalTail> ReadTailAsync(string runId)
    {
        await HopAsync();
        ThrowIfDown();
        var snapshot = Db.Snapshots.TryGetValue(runId, out var s) ? s : ((long Seq, string Data)?)null;
        var seq = snapshot?.Seq ?? 0;
        return new RunJournalTail(snapshot?.Data, seq, [.. Db.Journal(runId).Where(e => e.Seq > seq)]);
    }

    public async Task<int> CountUnfinishedRunsAsync(string owner)
    {
        await HopAsync();
        ThrowIfDown();
        return Db.Runs.Values.Count(r => r.Owner == owner && r.Status is RunStatus.Pending or RunStatus.Running or RunStatus.WaitingForInput);
    }

    public async Task<RunEvent?> ReadLastAsync(string runId)
    {
        await HopAsync();
        ThrowIfDown();
        return Db.Journal(runId) is { Count: > 0 } events ? events[^1] : null;
    }

    public Task AuditExecutionAsync(string runId, int step, string silo) => Task.CompletedTask;

    public async Task DeleteRunAsync(string runId, string grainId)
    {
        await HopAsync();
        ThrowIfDown();
        Db.DeleteRun(runId);
    }

    /// <summary>
    /// A round trip's worth of time, at which the process may die (the fault actor decides). A dead process
    /// does nothing more: continuations that .NET runs inline in the same turn stop here too.
    /// </summary>
    private async Task HopAsync()
    {
        activation.ThrowIfDead();
        await Task.Delay(TimeSpan.FromMilliseconds(Scheduler.Random.Next(0, 6)), Scheduler.Clock);
        activation.ThrowIfDead();
    }

    private void ThrowIfDown()
    {
        if (Db.IsDown)
        {
            throw new TimeoutException("simulated: PostgreSQL is unreachable");
        }
    }
}

/// <summary>What becomes of a commit once it has reached the database.</summary>
internal enum CommitFault
{
    None,

    /// <summary>The acknowledgement is lost: the writer's retry collides with its own commit.</summary>
    AckLost,

    /// <summary>The process dies right after the database committed.</summary>
    DieAfterCommit,
}
