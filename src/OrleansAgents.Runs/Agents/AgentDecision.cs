namespace OrleansAgents.Agents;

/// <summary>The outcome of <see cref="IAgent.Decide"/>.</summary>
public abstract record AgentDecision
{
    private AgentDecision() { }

    /// <summary>Run another step.</summary>
    public sealed record Next(string Name, string Args) : AgentDecision;

    /// <summary>The run succeeded with this output (JSON text).</summary>
    public sealed record Finish(string Output) : AgentDecision;

    /// <summary>The run cannot go on.</summary>
    public sealed record Fail(string Error) : AgentDecision;
}
