namespace OrleansAgents.Runs.Core;

/// <summary>What the gate lets happen next to the pending step.</summary>
internal abstract record GateDecision
{
    private GateDecision() { }

    /// <summary>Run the step body.</summary>
    public sealed record Execute : GateDecision;

    /// <summary>A person rejected the step: commit the skipped result instead of running it.</summary>
    public sealed record Skip(string Reason) : GateDecision;

    /// <summary>Ask a person first (approval, or an outcome that is unknown).</summary>
    public sealed record Ask(InputRequest Request) : GateDecision;

    /// <summary>Commit the tool's intent first: it changes the world.</summary>
    public sealed record RecordIntent(string Tool) : GateDecision;

    public static readonly GateDecision Run = new Execute();
}
