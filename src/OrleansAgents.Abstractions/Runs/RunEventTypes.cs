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

    /// <summary>Whether an event of this type ends the run.</summary>
    public static bool IsTerminal(string type) =>
        type is RunSucceeded or RunFailed or RunCancelled;
}
