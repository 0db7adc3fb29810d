using OrleansAgents.Runs;

namespace OrleansAgents.Runtime.Tests;

public sealed class RunProgressTests
{
    private static RunEvent Event(long seq, string type, string data) => new("r", seq, type, DateTimeOffset.UnixEpoch, data);

    [Fact]
    public void Replay_StartedStepWithoutCompletion_IsPendingForReRun()
    {
        var progress = RunProgress.Replay(
        [
            Event(1, RunEventTypes.RunStarted, "{}"),
            Event(2, RunEventTypes.StepStarted, """{"step":0,"name":"a","args":{}}"""),
            Event(3, RunEventTypes.StepCompleted, """{"step":0,"name":"a","result":{"x":1}}"""),
            Event(4, RunEventTypes.StepStarted, """{"step":1,"name":"b","args":{"k":2}}"""),
        ]);

        Assert.Equal(4, progress.LastSeq);
        Assert.Equal("""{"x":1}""", Assert.Single(progress.Steps).Result);
        Assert.Equal(1, progress.Pending!.Index);
        Assert.Equal("""{"k":2}""", progress.Pending.Args);
        Assert.False(progress.IsTerminal);
    }

    [Fact]
    public void Replay_AGapInSequenceNumbers_IsRefused()
    {
        var error = Assert.Throws<InvalidOperationException>(() => RunProgress.Replay(
        [
            Event(1, RunEventTypes.RunStarted, "{}"),
            Event(3, RunEventTypes.RunSucceeded, "{}"),
        ]));

        Assert.Contains("gap", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Replay_TerminalEvent_EndsTheRun()
    {
        var progress = RunProgress.Replay(
        [
            Event(1, RunEventTypes.RunStarted, "{}"),
            Event(2, RunEventTypes.RunCancelled, """{"reason":"x"}"""),
        ]);

        Assert.True(progress.IsTerminal);
        Assert.Null(progress.Pending);
    }
}
