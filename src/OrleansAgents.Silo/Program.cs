using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using OrleansAgents.Agents;
using OrleansAgents.Agents.Bench;
using OrleansAgents.Hosting;
using OrleansAgents.Silo;

if (args is ["migrate", ..])
{
    return await MigrateCommand.RunAsync(args[1..]);
}

var builder = Host.CreateApplicationBuilder(args);
builder.UseOrleans(silo => silo.AddOrleansAgentsCluster(builder.Configuration).AddOrleansAgentsRuns());
builder.Services.AddBuiltInAgents(includeBench: BenchOptions.IsEnabled(builder.Environment.EnvironmentName, builder.Configuration));
builder.AddOrleansAgentsTelemetry(metrics: m =>
{
    // Prometheus scrape endpoint: Telemetry__PrometheusPort=9464 (GET /metrics), on Telemetry__PrometheusHost (127.0.0.1).
    if (builder.Configuration.GetValue<int?>("Telemetry:PrometheusPort") is { } port)
    {
        m.AddPrometheusHttpListener(o =>
        {
            o.Host = builder.Configuration["Telemetry:PrometheusHost"] ?? "127.0.0.1";
            o.Port = port;
        });
    }
});
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
await builder.Build().RunAsync();
return 0;
