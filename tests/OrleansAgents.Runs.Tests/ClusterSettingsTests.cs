using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using OrleansAgents.Hosting;

namespace OrleansAgents.Runs.Tests;

/// <summary>The live stream's queues: few by default (each is polled all the time), the same on every silo, and a bad count named.</summary>
public sealed class ClusterSettingsTests
{
    [Fact]
    public void A_silo_polls_two_stream_queues_unless_told_otherwise()
    {
        Assert.Equal(2, QueueCount([]));
        Assert.Equal(8, QueueCount(new() { ["OrleansAgents:Runs:StreamQueues"] = "8" }));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("257")]
    public void A_stream_queue_count_out_of_range_fails_the_start_with_a_message_naming_it(string value)
    {
        var failure = Assert.Throws<OptionsValidationException>(() => QueueCount(new() { ["OrleansAgents:Runs:StreamQueues"] = value }));

        Assert.Contains($"OrleansAgents:Runs:StreamQueues must be from 1 to 256 (was {value}).", failure.Message, StringComparison.Ordinal);
    }

    private static int QueueCount(Dictionary<string, string?> settings)
    {
        settings["ConnectionStrings:Postgres"] = "Host=127.0.0.1;Database=unused"; // nothing connects: the provider is only built
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddOrleans(silo => silo.AddOrleansAgentsCluster(configuration));
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptionsMonitor<HashRingStreamQueueMapperOptions>>().Get(OrleansAgentsNames.StreamProvider).TotalQueueCount;
    }
}
