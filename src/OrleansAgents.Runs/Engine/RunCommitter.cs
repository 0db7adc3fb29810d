using System.Diagnostics;
using Microsoft.Extensions.Logging;
using OrleansAgents.Agents;
using OrleansAgents.Journal;
using OrleansAgents.Runs.Core;
using OrleansAgents.Telemetry;

namespace OrleansAgents.Runs.Engine;

/// <summary>
/// Commits a run's decisions, one at a time, and holds the state they lead to. A commit states what it
/// expects: its events take the next sequence numbers, so it lands only if no other commit came first;
/// the decision itself was taken against the state it expects (the pending step, the open request). A
/// commit that collides reloads the journal and reports the conflict: the caller decides again against
/// the state that won, and a result that is stale there is dropped.
/// </summary>
internal sealed class RunCommitter(IRunHost host, IRunJournal journal, RunOptions options, TimeProvider time, ILogger logger) : IDisposable
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private long _ownerSince; // the seq from which this activation owns the run: its load, or its own start or resume
    private RunStatus _rowStatus; // what this activation last wrote to the runs table (None: nothing yet)
    private string? _rowVersion;
    private RunPlanner? _planner; // the agent that binds the memory after a reload

    /// <summary>The run as its committed journal tells it.</summary>
    public RunState State { get; private set; } = RunState.Empty;

    /// <summary>What the last load or reload read: the snapshot it started from and the events after it.</summary>
    public (long SnapshotSeq, int Events) LastRead { get; private set; }

    /// <summary>Called with each commit's events, in commit order, once they are durable.</summary>
    public Action<IReadOnlyList<NewEvent>>? Committed { get; set; }

    public void Load(RunState state)
    {
        State = state;
        _ownerSince = state.LastSeq;
    }

    /// <summary>Loads the run from its last snapshot and the events after it (the whole journal when it has none).</summary>
    public async Task LoadAsync() => Load(await ReadAsync());

    /// <summary>
    /// Gives the state's memory to the run's agent (after a load, or when the run upgraded to another version):
    /// read from the snapshot and folded with the steps since; replayed from the whole journal if the agent
    /// cannot read the snapshot's memory.
    /// </summary>
    public async Task BindAsync(RunPlanner planner, bool rebind = false)
    {
        await _lock.WaitAsync();
        try
        {
            if (rebind && State.Memory is not UnboundMemory && !State.IsTerminal)
            {
                State = State with { Memory = new UnboundMemory(State.Memory.ToJson(), AppendOnlyList<Agents.CommittedStep>.Empty) };
            }

            await BindLockedAsync(planner);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>
    /// A newer activation has recorded its start or resume since this one took the run over (two were alive at
    /// once, as while a silo shuts down): this one commits nothing more but a cancel. A step result it committed
    /// now would land after the newer one had decided to run that step, which would then run after its commit.
    /// </summary>
    public bool Superseded { get; private set; }

    /// <summary>Waits for the commit in flight, if any: the state then includes it.</summary>
    public async Task SettleAsync()
    {
        await _lock.WaitAsync();
        _lock.Release();
    }

    /// <summary>Decides the command against the current state and commits what it decides.</summary>
    public async Task<CommitOutcome> CommitAsync(RunCommand command, RunPlanner planner)
    {
        await _lock.WaitAsync();
        try
        {
            if (Superseded && command is not RunCommand.Cancel)
            {
                return new CommitOutcome(RunDecision.Refused("was taken over by another activation"), Committed: false);
            }

            await BindLockedAsync(planner);
            var decision = RunDecider.Decide(State, command, planner);
            if (decision.Kind != RunDecisionKind.Commit)
            {
                return new CommitOutcome(decision, Committed: false);
            }

            // PostgreSQL keeps microseconds: hold the same instant in memory as in the table.
            var now = time.GetUtcNow();
            now = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMicrosecond));
            var drafts = decision.Events;
            var events = new NewEvent[drafts.Count];
            var next = State;
            for (var i = 0; i < drafts.Count; i++)
            {
                events[i] = new NewEvent(State.LastSeq + 1 + i, drafts[i].Type, now, drafts[i].Data);
                next = next.Apply(events[i].Seq, drafts[i], now);
            }

            string? snapshot = null;
            if (RunStateSnapshot.CanWrite(next)
                && (next.StepsDone - next.SnapshotSteps >= options.SnapshotEverySteps || next.JournalBytes - next.SnapshotBytes >= options.SnapshotEveryBytes))
            {
                try
                {
                    var marked = next with { SnapshotSteps = next.StepsDone, SnapshotBytes = next.JournalBytes };
                    snapshot = RunStateSnapshot.Write(marked);
                    next = marked;
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    Log.SnapshotNotWritten(logger, host.RunId, next.LastSeq, ex); // the agent's memory would not serialize: the journal is still the record
                }
            }

            var queued = Stopwatch.GetTimestamp();
            try
            {
                await journal.CommitAsync(new JournalCommit(host.RunId, events, RowFor(next, now)) { Snapshot = snapshot, DropSnapshot = next.IsTerminal });
                AgentsTelemetry.CommitDuration.Record(Stopwatch.GetElapsedTime(queued).TotalMilliseconds);
            }
            catch (JournalConflictException ex)
            {
                Log.CommitConflict(logger, host.RunId, events[0].Seq, ex);
                await ReloadLockedAsync();
                return new CommitOutcome(decision, Committed: false, Conflicted: true);
            }

            State = next;
            TrackOwner();
            _rowStatus = next.Status;
            _rowVersion = next.AgentVersion;
            Committed?.Invoke(events);
            return new CommitOutcome(decision, Committed: true);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Reads the journal again (after a conflict, or to pick up another activation's commits).</summary>
    public async Task ReloadAsync()
    {
        await _lock.WaitAsync();
        try
        {
            await ReloadLockedAsync();
        }
        finally
        {
            _lock.Release();
        }
    }

    private async Task ReloadLockedAsync()
    {
        State = await ReadAsync();
        if (_planner is { } planner)
        {
            await BindLockedAsync(planner);
        }

        TrackOwner();
        _rowStatus = RunStatus.None; // another activation may have written the row: write it again with the next commit
    }

    /// <summary>The snapshot and the events after it; the whole journal when there is no snapshot or it cannot be read.</summary>
    private async Task<RunState> ReadAsync()
    {
        var tail = await journal.ReadTailAsync(host.RunId);
        LastRead = (tail.SnapshotSeq, tail.Events.Count);
        if (tail.Snapshot is null)
        {
            return RunState.Replay(RunState.Empty with { Memory = UnboundMemory.FromStart }, tail.Events);
        }

        if (RunStateSnapshot.Read(tail.Snapshot) is { } snapshot && snapshot.LastSeq == tail.SnapshotSeq)
        {
            return RunState.Replay(snapshot, tail.Events);
        }

        Log.SnapshotUnreadable(logger, host.RunId, tail.SnapshotSeq);
        var all = await journal.ReadAllAsync(host.RunId);
        LastRead = (0, all.Count);
        return RunState.Replay(RunState.Empty with { Memory = UnboundMemory.FromStart }, all);
    }

    private async Task BindLockedAsync(RunPlanner planner)
    {
        if (planner.Agent is UnavailableAgent)
        {
            return; // bound once the run has its agent (this silo hosts its version, or it upgrades)
        }

        _planner = planner;
        if (State.Memory is not UnboundMemory unbound)
        {
            return;
        }

        AgentMemory? memory;
        try
        {
            memory = unbound.Bind(planner.Agent, planner.Input);
        }
        catch (Exception ex) when (unbound.Json is not null)
        {
            Log.SnapshotUnreadable(logger, host.RunId, State.LastSeq, ex);
            memory = null;
        }
        catch (Exception ex)
        {
            // Its own steps, from the start, are what the agent cannot take in: the run fails once with it (as the
            // fold does for an event it cannot explain), instead of failing every activation.
            State = State with { Fault = State.Fault ?? $"the agent could not take in its committed steps ({ex.Message})" };
            return;
        }

        if (memory is not null)
        {
            State = State with { Memory = memory };
            return;
        }

        // The agent cannot read the snapshot's memory (another version wrote it): its whole journal, once. The
        // next commit writes a snapshot of this version's memory.
        var all = await journal.ReadAllAsync(host.RunId);
        LastRead = (0, all.Count);
        try
        {
            State = RunState.Replay(RunState.Empty with { Memory = planner.Agent.NewMemory(planner.Input) }, all);
        }
        catch (Exception ex)
        {
            State = State with { Fault = State.Fault ?? $"the agent could not start its memory ({ex.Message})" };
        }
    }

    private void TrackOwner()
    {
        if (State.OwnerActivation == host.ActivationId)
        {
            _ownerSince = Math.Max(_ownerSince, State.OwnerSeq); // its own start or resume (even one whose acknowledgement was lost)
        }
        else if (State.OwnerSeq > _ownerSince)
        {
            Superseded = true;
        }
    }

    /// <summary>
    /// The runs table follows status and silo changes; per-step progress lives in the journal only, so a
    /// step costs its event rows and nothing else.
    /// </summary>
    private RunRow? RowFor(RunState next, DateTimeOffset now)
    {
        if (next.Status == _rowStatus && next.AgentVersion == _rowVersion)
        {
            return null;
        }

        // The version placement reads: the one the run keeps to now.
        var header = host.Header;
        return new RunRow(host.RunId, header.Owner, header.Agent, next.AgentVersion ?? header.AgentVersion, next.Status, header.CreatedAt, now,
            next.LastSeq, next.StepCount, host.Silo, next.Usage.TotalTokens);
    }

    public void Dispose() => _lock.Dispose();
}
