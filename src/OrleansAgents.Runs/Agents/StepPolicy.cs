namespace OrleansAgents.Agents;

/// <summary>How the run grain treats a step.</summary>
public sealed record StepPolicy
{
    public static readonly StepPolicy Default = new();

    /// <summary>The run waits in WaitingForInput until a person approves or rejects the step.</summary>
    public bool RequiresApproval { get; init; }

    /// <summary>The step changes the world: its intent is committed before it runs.</summary>
    public bool SideEffects { get; init; }

    /// <summary>
    /// Running the step again with the same idempotency key has no further effect. A cut-off step with side
    /// effects that is not idempotent is not run again without a person's decision.
    /// </summary>
    public bool Idempotent { get; init; } = true;

    /// <summary>Per-attempt timeout; null for the run's default.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Attempts in all, counting the first, for transient failures; null for the run's default.</summary>
    public int? MaxAttempts { get; init; }

    /// <summary>The tool the step calls, for approval questions.</summary>
    public string? Tool { get; init; }

    /// <summary>The tool's arguments as JSON text, for approval questions.</summary>
    public string? ToolArguments { get; init; }

    /// <summary>What a person is asked before the step runs.</summary>
    public string? ApprovalQuestion { get; init; }

    /// <summary>What the run does for the step itself (child runs, a durable sleep) instead of executing it; null: execute it.</summary>
    public StepAction? Action { get; init; }
}
