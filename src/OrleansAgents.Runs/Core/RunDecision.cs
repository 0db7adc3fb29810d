namespace OrleansAgents.Runs.Core;

/// <summary>What the run's state machine makes of a command.</summary>
internal enum RunDecisionKind
{
    /// <summary>Commit these events.</summary>
    Commit,

    /// <summary>Nothing to record: the command has taken effect already (a retried key, a run that already ended).</summary>
    Done,

    /// <summary>The command is about a step that is no longer pending: drop it.</summary>
    Stale,

    /// <summary>The run cannot do this in its state (<see cref="RunDecision.Reason"/> says why).</summary>
    Refused,

    /// <summary>The idempotency key was used before for a different command.</summary>
    KeyReused,
}

/// <summary>The events to commit for a command, or why there are none.</summary>
internal readonly record struct RunDecision(RunDecisionKind Kind, IReadOnlyList<EventDraft> Events, string? Reason = null)
{
    public static RunDecision Commit(params EventDraft[] events) => new(RunDecisionKind.Commit, events);

    public static readonly RunDecision Done = new(RunDecisionKind.Done, []);

    public static readonly RunDecision Stale = new(RunDecisionKind.Stale, []);

    public static RunDecision Refused(string reason) => new(RunDecisionKind.Refused, [], reason);

    public static RunDecision KeyReused(string key) => new(RunDecisionKind.KeyReused, [], $"Idempotency key '{key}' was already used for a different request on this run.");
}
