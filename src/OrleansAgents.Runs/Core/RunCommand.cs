using OrleansAgents.Agents;

namespace OrleansAgents.Runs.Core;

/// <summary>What a run is asked to record: by a caller (start, cancel, steer, answer) or by its own loop.</summary>
internal abstract record RunCommand
{
    private RunCommand() { }

    /// <summary>Accept the run: <c>run.started</c> and its first decision.</summary>
    public sealed record Start(RunHeader Header, string Activation) : RunCommand;

    /// <summary>This activation takes an unfinished run over.</summary>
    public sealed record Resume(string Activation, string Silo, RunLoad? Load = null) : RunCommand;

    /// <summary>The run cannot go on (its agent is gone, its journal cannot be explained).</summary>
    public sealed record Fail(string Error) : RunCommand;

    public sealed record Cancel(string? Reason) : RunCommand;

    /// <summary>A steer message; <paramref name="Key"/> makes a retried one apply once.</summary>
    public sealed record Steer(string Message, string Key) : RunCommand;

    /// <summary>
    /// Approve or reject what the run waits on; <paramref name="Key"/> makes a retried one apply once. <paramref name="RequestSeq"/>,
    /// when given, names the question answered by the seq of the <c>input.requested</c> that asked it: an answer to a
    /// question that is no longer the open one (answered meanwhile, and the run asked another) is refused. Null: whatever is open.
    /// </summary>
    public sealed record Answer(bool Approved, string? Text, string Key, long? RequestSeq = null) : RunCommand;

    /// <summary>No silo hosts the run's version any more; its agent allows going on with <paramref name="To"/>.</summary>
    public sealed record Upgrade(string From, string To) : RunCommand;

    /// <summary>No silo hosts the run's version; its agent pins it: wait for one until <paramref name="Until"/>.</summary>
    public sealed record Pin(string Version, DateTimeOffset Until) : RunCommand;

    /// <summary>Decide the next step when none is pending (a journal that stopped between a result and its decision).</summary>
    public sealed record Continue : RunCommand;

    /// <summary>The gate asks a person about the pending step.</summary>
    public sealed record Ask(InputRequest Request) : RunCommand;

    /// <summary>The gate records that a tool with side effects is about to run.</summary>
    public sealed record RecordIntent(int Step, string Tool) : RunCommand;

    /// <summary>An attempt of the pending step failed transiently; another follows after a backoff.</summary>
    public sealed record RecordRetry(int Step, int Attempt, string Error, double DelayMs) : RunCommand;

    /// <summary>
    /// A draft of the pending step's streamed text: <paramref name="Text"/> is all its attempt has streamed so far,
    /// the attempt being the one that began at seq <paramref name="From"/> (<see cref="RunState.DraftFrom"/>).
    /// </summary>
    public sealed record Draft(int Step, long From, string Text) : RunCommand;

    /// <summary>The pending step failed for good.</summary>
    public sealed record FailStep(int Step, string Error) : RunCommand;

    /// <summary>The result of a step, with the decision that follows it.</summary>
    public sealed record Complete(StepPlan Step, StepOutput Output, double DurationMs) : RunCommand;

    /// <summary>The pending step starts sleeping until <paramref name="Until"/>.</summary>
    public sealed record StartTimer(int Step, DateTimeOffset Until) : RunCommand;

    /// <summary>
    /// The pending step's sleep is over at <paramref name="At"/>: its time came, or (<paramref name="EarlyReason"/>)
    /// something woke it early. Committed with the step's result and the decision that follows.
    /// </summary>
    public sealed record FireTimer(int Step, DateTimeOffset At, string? EarlyReason) : RunCommand;

    /// <summary>The pending step starts these child runs (recorded before any of them is started).</summary>
    public sealed record StartChildren(int Step, IReadOnlyList<ChildRun> Children) : RunCommand;

    /// <summary>Child runs ended (heard from them, or found ended).</summary>
    public sealed record ChildrenFinished(IReadOnlyList<ChildOutcome> Outcomes) : RunCommand;
}
