using OrleansAgents.Runs;
using OrleansAgents.Web.Infrastructure;

namespace OrleansAgents.Web.Apis;

/// <summary>The agents the cluster can run, as the workers' registry lists them.</summary>
public static class AgentsApi
{
    public static IEndpointRouteBuilder MapAgentsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/agents", async (IGrainFactory grains, ClusterCalls calls, CancellationToken cancellationToken) => Results.Ok(new AgentList(
                [.. (await calls.RunAsync(() => grains.GetGrain<IAgentCatalogGrain>(0).ListAsync(), cancellationToken)).Select(a => new AgentInfo(a.Name, a.Version, a.SampleDocuments, a.MaxSteps))])))
            .RequireAuthorization().WithTags("Agents").WithSummary("The agents runs can be started with, and the sample documents each offers");
        return app;
    }
}

/// <summary><c>{ "items": [ { "name", "version", "sampleDocuments", "maxSteps" } ] }</c>.</summary>
public sealed record AgentList(IReadOnlyList<AgentInfo> Items);

/// <summary>
/// An agent by name, its current version, the names of the sample documents its input may refer to, and the
/// most steps its runs take when it has a fixed limit (chat agents; null otherwise).
/// </summary>
public sealed record AgentInfo(string Name, string Version, IReadOnlyList<string> SampleDocuments, int? MaxSteps);
