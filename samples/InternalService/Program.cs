// Usage (with deploy/local/cluster.sh running):
//   dotnet run --project samples/InternalService -- <runId> [steps]
// Configuration: ConnectionStrings__Postgres, OrleansAgents__Client__ClusterId (the local cluster's is "local").
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansAgents.Client;

var builder = Host.CreateApplicationBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Configuration["ConnectionStrings:Postgres"] ??= "Host=127.0.0.1;Port=55432;Username=postgres;Database=orleans_agents";
builder.Configuration["OrleansAgents:Client:ClusterId"] ??= "local";
builder.Configuration["OrleansAgents:Client:ServiceId"] ??= "local";
builder.Configuration["OrleansAgents:Client:Owner"] ??= "sample-service";
builder.Services.AddOrleansAgentsClient(builder.Configuration);
using var host = builder.Build();
await host.StartAsync();

var runs = host.Services.GetRequiredService<IAgentRuns>();
var runId = args.Length > 0 ? args[0] : $"sample-{Guid.NewGuid():N}";
var steps = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 5;

var run = await runs.StartAsync(runId, "bench", $$"""{"steps":{{steps}},"stepMs":200}""");
Console.WriteLine($"run {run.RunId}: {run.Status}");
await foreach (var e in runs.WatchAsync(runId))
{
    Console.WriteLine($"  #{e.Seq,-3} {e.Type,-15} {e.Data}");
}

var done = await runs.GetAsync(runId);
Console.WriteLine($"run {done.RunId}: {done.Status}, result {done.Result ?? done.Error}");
await host.StopAsync();
