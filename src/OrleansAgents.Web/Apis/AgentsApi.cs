using OrleansAgents.Agents;

namespace OrleansAgents.Web.Apis;

/// <summary>The agents the cluster can run (the front end carries the same agent registry as the workers).</summary>
public static class AgentsApi
{
    public static IEndpointRouteBuilder MapAgentsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/agents", (AgentRegistry registry) =>
                Results.Ok(new AgentList([.. registry.Names.Order(StringComparer.Ordinal)])))
            .RequireAuthorization().WithTags("Agents").WithSummary("Names of the agents runs can be started with");
        return app;
    }
}

/// <summary><c>{ "items": [ "bench", ... ] }</c>.</summary>
public sealed record AgentList(IReadOnlyList<string> Items);
