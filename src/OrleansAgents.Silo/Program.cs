using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.DependencyInjection;
using OrleansAgents.Hosting;
using OrleansAgents.Silo;

if (args is ["migrate", ..])
{
    return await MigrateCommand.RunAsync(args[1..]);
}

var builder = Host.CreateApplicationBuilder(args);
builder.UseOrleans(silo => silo.AddOrleansAgentsSilo(builder.Configuration));
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
await builder.Build().RunAsync();
return 0;
