namespace OrleansAgents.Runs.Engine;

/// <summary>How a step body's execution ended, with its retries.</summary>
internal abstract record StepResult
{
    private StepResult() { }

    /// <summary>The body returned: commit its result.</summary>
    public sealed record Succeeded(Agents.StepOutput Output, double DurationMs) : StepResult;

    /// <summary>The run is cancelling or the activation is going away: record nothing.</summary>
    public sealed record Stopped : StepResult;

    /// <summary>The step is no longer pending here (a retry could not be recorded): record nothing.</summary>
    public sealed record Abandoned : StepResult;

    /// <summary>A tool whose effect must not repeat failed in a way that hides whether it took effect: ask.</summary>
    public sealed record OutcomeUnknown(Exception Error) : StepResult;

    /// <summary>Failed for good: the run fails with this message.</summary>
    public sealed record Failed(string Message, Exception Error) : StepResult;
}
