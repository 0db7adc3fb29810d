namespace OrleansAgents.Runs;

/// <summary>The life cycle of a run. Succeeded, Failed and Cancelled are terminal and final.</summary>
[GenerateSerializer, Alias("OrleansAgents.RunStatus")]
public enum RunStatus
{
    /// <summary>No run exists under this ID.</summary>
    None = 0,
    Pending = 1,
    Running = 2,
    WaitingForInput = 3,
    Succeeded = 4,
    Failed = 5,
    Cancelled = 6,
}

/// <summary>Helpers on <see cref="RunStatus"/>.</summary>
public static class RunStatusExtensions
{
    /// <summary>Whether the status is final.</summary>
    public static bool IsTerminal(this RunStatus status) =>
        status is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Cancelled;
}
