namespace OrleansAgents.Runs;

/// <summary>The agents the cluster's workers can run. Any worker answers; the front end asks it for <c>GET /api/agents</c>.</summary>
[Alias("OrleansAgents.IAgentCatalogGrain")]
public interface IAgentCatalogGrain : IGrainWithIntegerKey
{
    /// <summary>Every registered agent, by name, with its current version and sample documents.</summary>
    [Alias("List")]
    Task<IReadOnlyList<AgentDescriptor>> ListAsync();
}
