using Orleans.Concurrency;
using OrleansAgents.Runs;

namespace OrleansAgents.Agents;

/// <summary>Answers from the worker's own registry; every worker registers the same agents.</summary>
[StatelessWorker]
internal sealed class AgentCatalogGrain(AgentRegistry registry) : Grain, IAgentCatalogGrain
{
    public Task<IReadOnlyList<AgentDescriptor>> ListAsync() =>
        Task.FromResult<IReadOnlyList<AgentDescriptor>>(
            [.. registry.Latest.OrderBy(a => a.Name, StringComparer.Ordinal).Select(a => new AgentDescriptor(a.Name, a.Version, a.SampleDocuments, a.MaxSteps))]);
}
