namespace OrleansAgents.Runs;

/// <summary>The event types of a run's history.</summary>
public static class RunEventTypes
{
    public const string RunStarted = "run.started";
    public const string RunResumed = "run.resumed";
    public const string StepStarted = "step.started";
    public const string StepCompleted = "step.completed";
    public const string RunSucceeded = "run.succeeded";
    public const string RunFailed = "run.failed";
    public const string RunCancelled = "run.cancelled";
    public const string InputMessage = "input.message";

    /// <summary>No silo hosts the run's agent version any more: it goes on with the current one.</summary>
    public const string RunUpgraded = "run.upgraded";

    /// <summary>No silo hosts the run's agent version and its agent pins it: the run waits for one, until a deadline.</summary>
    public const string RunPinned = "run.pinned";

    /// <summary>
    /// A piece of a model's streamed text, committed as a draft: coalesced (a few a second), never a step. The
    /// pieces since the last event that <see cref="EndsDraft"/> are the text of the step's current attempt.
    /// </summary>
    public const string StepDelta = "step.delta";

    /// <summary>A tool with side effects is about to run; committed before it runs.</summary>
    public const string ToolIntent = "tool.intent";

    /// <summary>An attempt of a step failed transiently; the next attempt follows a backoff.</summary>
    public const string StepRetrying = "step.retrying";

    /// <summary>The run waits for a person: an approval, or a decision about a tool whose outcome is unknown.</summary>
    public const string InputRequested = "input.requested";

    /// <summary>The pending step sleeps until a time; a reminder wakes the run (no activation held meanwhile).</summary>
    public const string TimerStarted = "timer.started";

    /// <summary>The pending step's sleep is over (its time came, or a steer message woke it early); its result follows.</summary>
    public const string TimerFired = "timer.fired";

    /// <summary>The pending step starts a child run (recorded before the child is started; its ID is derived from the step).</summary>
    public const string ChildStarted = "child.started";

    /// <summary>A child run ended; its outcome is the parent's to decide on.</summary>
    public const string ChildFinished = "child.finished";

    public const string InputApproved = "input.approved";
    public const string InputRejected = "input.rejected";

    /// <summary>
    /// Whether an event of this type ends the current attempt's streamed text (<see cref="StepDelta"/>): the step
    /// completed, or its attempt ended (a retry, a resume, a question to a person), so text after it is a new one.
    /// </summary>
    public static bool EndsDraft(string type) =>
        type is StepStarted or StepCompleted or StepRetrying or RunResumed or InputRequested or InputApproved or InputRejected
        || IsTerminal(type);

    /// <summary>Whether an event of this type ends the run.</summary>
    public static bool IsTerminal(string type) =>
        type is RunSucceeded or RunFailed or RunCancelled;
}
