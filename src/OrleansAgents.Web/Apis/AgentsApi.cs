using OrleansAgents.Agents;
using OrleansAgents.Agents.VoiceAgentBuilder;

namespace OrleansAgents.Web.Apis;

/// <summary>The agents the cluster can run (the front end carries the same agent registry as the workers).</summary>
public static class AgentsApi
{
    /// <summary>Sample documents an agent's input can name, by agent.</summary>
    private static readonly Dictionary<string, IReadOnlyList<string>> SampleDocuments = new(StringComparer.Ordinal)
    {
        [VoiceAgentBuilderAgent.AgentName] = VoiceAgentSamples.Documents,
    };

    public static IEndpointRouteBuilder MapAgentsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/agents", (AgentRegistry registry) => Results.Ok(new AgentList(
                [.. registry.Names.Order(StringComparer.Ordinal).Select(name => new AgentInfo(name, SampleDocuments.GetValueOrDefault(name) ?? []))])))
            .RequireAuthorization().WithTags("Agents").WithSummary("The agents runs can be started with, and the sample documents each offers");
        return app;
    }
}

/// <summary><c>{ "items": [ { "name", "sampleDocuments" } ] }</c>.</summary>
public sealed record AgentList(IReadOnlyList<AgentInfo> Items);

/// <summary>An agent by name, with the names of the sample documents its input may refer to.</summary>
public sealed record AgentInfo(string Name, IReadOnlyList<string> SampleDocuments);
