namespace OrleansAgents.Runs.Core;

/// <summary>Where a started step stands before its result is committed.</summary>
internal enum StepGate
{
    /// <summary>Nothing recorded since it started.</summary>
    None,

    /// <summary>A tool with side effects was about to run: its outcome is unknown until committed.</summary>
    IntentOpen,

    /// <summary>The run waits for a person.</summary>
    Requested,

    /// <summary>A person approved the last request.</summary>
    Approved,

    /// <summary>A person rejected the last request: the step does not run.</summary>
    Rejected,
}
