using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OrleansAgents.Agents;
using OrleansAgents.Agents.Bench;

namespace OrleansAgents.Runtime.Tests;

/// <summary>The bench agent runs whatever its input asks for anyone with a key: registered only where enabled.</summary>
public sealed class BenchAgentRegistrationTests
{
    private static IConfiguration Configuration(string? enabled) => new ConfigurationBuilder()
        .AddInMemoryCollection(enabled is null ? [] : [new KeyValuePair<string, string?>(BenchOptions.EnabledKey, enabled)])
        .Build();

    [Fact]
    public void The_bench_agent_is_enabled_in_Development_or_by_its_setting_and_nowhere_else()
    {
        Assert.True(BenchOptions.IsEnabled("Development", Configuration(null)));
        Assert.True(BenchOptions.IsEnabled("Production", Configuration("true")));
        Assert.False(BenchOptions.IsEnabled("Production", Configuration(null)));
        Assert.False(BenchOptions.IsEnabled("Staging", Configuration("false")));
    }

    [Fact]
    public void Built_in_agents_without_the_bench_register_no_bench_agent()
    {
        var without = new ServiceCollection().AddBuiltInAgents(includeBench: false);
        var with = new ServiceCollection().AddBuiltInAgents(includeBench: true);

        Assert.DoesNotContain(without, d => d.ServiceType == typeof(IAgent) && d.ImplementationType == typeof(BenchAgent));
        Assert.Contains(with, d => d.ServiceType == typeof(IAgent) && d.ImplementationType == typeof(BenchAgent));
    }
}
