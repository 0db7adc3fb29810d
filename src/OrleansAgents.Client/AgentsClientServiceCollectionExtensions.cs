using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Microsoft.Extensions.Hosting;
using OrleansAgents;
using OrleansAgents.Client;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registration of the OrleansAgents client for internal services.</summary>
public static class AgentsClientServiceCollectionExtensions
{
    /// <summary>
    /// Connects this service to the cluster as an Orleans client (ADO.NET clustering on the cluster's
    /// PostgreSQL; gateways from membership) and registers <see cref="IAgentRuns"/>. Options from
    /// <c>OrleansAgents:Client</c>, validated at start.
    /// </summary>
    public static IServiceCollection AddOrleansAgentsClient(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AgentsClientOptions>()
            .Bind(configuration.GetSection(AgentsClientOptions.SectionName))
            .PostConfigure(o =>
            {
                o.ConnectionString ??= configuration.GetConnectionString(OrleansAgentsNames.ConnectionStringName);
                if (o.JournalShards.Count == 0)
                {
                    o.JournalShards.AddRange(OrleansAgents.Journal.JournalServiceCollectionExtensions.GetJournalShards(configuration));
                }
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<AgentsClientOptions>, AgentsClientOptionsValidator>();

        services.AddOrleansClient(client =>
        {
            client.Services.AddOptions<ClusterOptions>().Configure<IOptions<AgentsClientOptions>>((cluster, agents) =>
            {
                cluster.ClusterId = agents.Value.ClusterId;
                cluster.ServiceId = agents.Value.ServiceId;
            });
            client.UseAdoNetClustering(o => o.Configure<IOptions<AgentsClientOptions>>((clustering, agents) =>
            {
                clustering.Invariant = OrleansAgentsNames.NpgsqlInvariant;
                clustering.ConnectionString = agents.Value.ConnectionString;
            }));
            client.AddMemoryStreams(OrleansAgentsNames.StreamProvider);
            // A worker's PostgreSQL failure arrives as itself: a store outage is retried like a missing worker.
            client.Services.Configure<Orleans.Serialization.ExceptionSerializationOptions>(o => o.SupportedNamespacePrefixes.Add("Npgsql"));
        });
        services.AddSingleton<IAgentRuns, AgentRuns>();
        return services;
    }
}
