namespace OrleansAgents.Agents;

/// <summary>
/// What the run itself does for a step instead of <see cref="IAgent.ExecuteStepAsync"/>: start child runs and wait
/// for them, wait for children started earlier, or sleep. The run holds no thread while it waits, and no activation
/// while it sleeps; the step's result (JSON) is what it waited for, so it reaches the agent's next decision.
/// </summary>
public abstract record StepAction
{
    private StepAction() { }

    /// <summary>
    /// Start one child run per entry (each with an ID derived from the run's ID, the step and its place here, so no
    /// child starts twice for the same step) and wait as <paramref name="Wait"/> says. The step's result is
    /// <c>{"children":[{"runId","agent","status","result"|"error"}]}</c>; a child past a limit
    /// (<see cref="Runs.RunQuotaOptions.MaxChildrenPerRun"/>, <see cref="Runs.RunQuotaOptions.MaxRunDepth"/>) starts
    /// none of them and the result is <c>{"error": "..."}</c>.
    /// </summary>
    public sealed record StartChildren(IReadOnlyList<ChildRunSpec> Children, ChildWait Wait = ChildWait.All) : StepAction;

    /// <summary>Wait for child runs started by earlier steps: <paramref name="RunIds"/>, or null for every child of the run.</summary>
    public sealed record WaitForChildren(IReadOnlyList<string>? RunIds, ChildWait Wait = ChildWait.All) : StepAction;

    /// <summary>
    /// Sleep for <paramref name="For"/> from when the sleep is recorded, or until <paramref name="Until"/>. A steer
    /// message wakes it early; a cancel ends the run at once. The result is <c>{"until","firedAt","early"}</c>.
    /// </summary>
    public sealed record Sleep(TimeSpan? For = null, DateTimeOffset? Until = null) : StepAction;
}
