using OrleansAgents.Runs.Core;

namespace OrleansAgents.Runs.Tests;

/// <summary>The fold of the run's state machine: what a journal says, and what it cannot explain.</summary>
public sealed class RunStateTests
{
    private static RunEvent Event(long seq, string type, string data) => new("r", seq, type, DateTimeOffset.UnixEpoch, data);

    private static readonly RunEvent Started = Event(1, RunEventTypes.RunStarted, """{"agent":"a","version":"1","owner":"o","input":{},"activation":"x"}""");

    [Fact]
    public void Replay_StartedStepWithoutCompletion_IsPendingForReRun()
    {
        var state = RunState.Replay(RunState.Empty with { Memory = UnboundMemory.FromStart },
        [
            Started,
            Event(2, RunEventTypes.StepStarted, """{"step":0,"name":"a","args":{}}"""),
            Event(3, RunEventTypes.StepCompleted, """{"step":0,"name":"a","result":{"x":1}}"""),
            Event(4, RunEventTypes.StepStarted, """{"step":1,"name":"b","args":{"k":2}}"""),
        ]);

        Assert.Equal(4, state.LastSeq);
        Assert.Equal(1, state.StepsDone);
        Assert.Equal("""{"x":1}""", Assert.Single(((UnboundMemory)state.Memory).Since).Result);
        Assert.Equal(1, state.Pending!.Index);
        Assert.Equal("""{"k":2}""", state.Pending.Args);
        Assert.False(state.IsTerminal);
        Assert.Null(state.Fault);
        Assert.Equal(RunStatus.Running, state.Status);
    }

    [Fact]
    public void Replay_AGapInSequenceNumbers_IsAFaultNotAnException()
    {
        var state = RunState.Replay([Started, Event(3, RunEventTypes.RunSucceeded, "{}")]);

        Assert.Contains("seq 3", state.Fault, StringComparison.Ordinal);
        Assert.Contains("follows seq 1", state.Fault, StringComparison.Ordinal);
    }

    [Fact]
    public void Replay_ASecondCompletionOfTheSameStep_IsAFault_AndLaterEventsAreNotInterpreted()
    {
        var state = RunState.Replay(
        [
            Started,
            Event(2, RunEventTypes.StepStarted, """{"step":0,"name":"a","args":{}}"""),
            Event(3, RunEventTypes.StepCompleted, """{"step":0,"name":"a","result":1}"""),
            Event(4, RunEventTypes.StepStarted, """{"step":1,"name":"a","args":{}}"""),
            Event(5, RunEventTypes.StepCompleted, """{"step":0,"name":"a","result":2}"""),
            Event(6, RunEventTypes.StepCompleted, """{"step":1,"name":"a","result":3}"""),
        ]);

        Assert.Equal("seq 5 (step.completed): step 0 was not the pending step", state.Fault);
        Assert.Equal(1, state.StepsDone);
        Assert.Equal(6, state.LastSeq);
    }

    [Fact]
    public void Replay_DataThatCannotBeRead_OrATypeItDoesNotKnow_IsAFault()
    {
        Assert.Contains("cannot be read", RunState.Replay([Started, Event(2, RunEventTypes.StepStarted, "{\"step\":\"zero\"}")]).Fault, StringComparison.Ordinal);
        Assert.Contains("does not know", RunState.Replay([Started, Event(2, "run.teleported", "{}")]).Fault, StringComparison.Ordinal);
    }

    [Fact]
    public void Replay_ATerminalEventAfterAFault_StillEndsTheRun()
    {
        var state = RunState.Replay(
        [
            Started,
            Event(2, RunEventTypes.StepCompleted, """{"step":4,"name":"a","result":1}"""),
            Event(3, RunEventTypes.RunFailed, """{"error":"The run's journal cannot be replayed","steps":0}"""),
        ]);

        Assert.True(state.IsTerminal);
        Assert.Equal(RunStatus.Failed, state.Status);
        Assert.Equal("The run's journal cannot be replayed", state.Outcome!.Error);
    }

    [Fact]
    public void Replay_TerminalEvent_EndsTheRun()
    {
        var state = RunState.Replay([Started, Event(2, RunEventTypes.RunCancelled, """{"reason":"x","steps":0}""")]);

        Assert.True(state.IsTerminal);
        Assert.Null(state.Pending);
        Assert.Equal("x", state.Outcome!.Error);
    }

    [Fact]
    public void Replay_AnApprovalWithItsKey_RemembersTheKeyAndWhatItWasFor()
    {
        var state = RunState.Replay(
        [
            Started,
            Event(2, RunEventTypes.StepStarted, """{"step":0,"name":"tool:x","args":{}}"""),
            Event(3, RunEventTypes.InputRequested, """{"step":0,"kind":"approval","tool":"x","arguments":{},"question":"?"}"""),
            Event(4, RunEventTypes.InputApproved, """{"step":0,"comment":"ok","key":"k1"}"""),
        ]);

        Assert.True(state.Approved);
        Assert.Equal(StepGate.Approved, state.Gate);
        Assert.True(state.IsSameCommand("k1", RunEventTypes.InputApproved, "ok"));
        Assert.False(state.IsSameCommand("k1", RunEventTypes.InputRejected, "ok"));
        Assert.Null(state.IsSameCommand("k2", RunEventTypes.InputApproved, "ok"));
    }

    [Fact]
    public void APinnedRun_ShowsTheVersionItWaitsFor_UntilItResumesOrUpgrades()
    {
        var pinned = RunState.Replay(
        [
            Started,
            Event(2, RunEventTypes.StepStarted, """{"step":0,"name":"a","args":{}}"""),
            Event(3, RunEventTypes.RunPinned, """{"version":"1","until":"2026-12-02T00:10:00+00:00"}"""),
        ]);
        var resumed = pinned.Apply(4, EventDraft.FromStored(Event(4, RunEventTypes.RunResumed, """{"step":0,"silo":"s","activation":"b"}""")), DateTimeOffset.UnixEpoch);
        var upgraded = pinned.Apply(4, EventDraft.FromStored(Event(4, RunEventTypes.RunUpgraded, """{"from":"1","to":"2"}""")), DateTimeOffset.UnixEpoch);

        Assert.Equal("1", pinned.WaitingForVersion?.Version);
        Assert.Null(resumed.WaitingForVersion);
        Assert.Null(upgraded.WaitingForVersion);
        Assert.Equal("2", upgraded.AgentVersion);
    }
}
