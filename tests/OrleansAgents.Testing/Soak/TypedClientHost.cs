using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace OrleansAgents.Testing.Soak;

/// <summary>An internal service's host with the typed client (<c>AddOrleansAgentsClient</c>), as the soak's typed-client watchers use it.</summary>
public static class TypedClientHost
{
    public static async Task<IHost> StartAsync(string connectionString, string clusterId, string serviceId)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = connectionString,
            ["OrleansAgents:Client:ClusterId"] = clusterId,
            ["OrleansAgents:Client:ServiceId"] = serviceId,
        });
        builder.Services.AddOrleansAgentsClient(builder.Configuration);
        builder.Services.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(2));
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }
}
