using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using OrleansAgents.Client;
using OrleansAgents.Testing;
using OrleansAgents.Testing.Soak;

namespace OrleansAgents.Soak.Tests;

/// <summary>
/// The chaos soak CI runs: two minutes of mixed load on a two-worker cluster with a front end, a fault every
/// 20 s in rotation (every kind at least once), every promise checked at the end. The seed is fixed so a
/// failure replays; ORLEANSAGENTS_SOAK_SEED, _MINUTES, _FAULT_EVERY_S and _RUNS change it.
/// </summary>
public sealed class ChaosSoakTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_two_minute_soak_with_a_fault_every_twenty_seconds_breaks_no_promise()
    {
        await using var cluster = await AgentsCluster.StartOnOwnServerAsync(workers: 2, frontEnd: true);
        using var typedHost = await TypedClientHost.StartAsync(cluster.ConnectionString, cluster.ServiceId, cluster.ServiceId);
        var options = new SoakOptions
        {
            Duration = TimeSpan.FromMinutes(Setting("MINUTES", 2)),
            FaultEvery = TimeSpan.FromSeconds(Setting("FAULT_EVERY_S", 20)),
            Seed = (int)Setting("SEED", 1),
            RunsInFlight = (int)Setting("RUNS", 40),
            FrontEnd = cluster.FrontEndAddress!,
            ConnectionString = cluster.ConnectionString,
            ClusterId = cluster.ServiceId,
            ServiceId = cluster.ServiceId,
            Log = line =>
            {
                output.WriteLine(line);
                Console.Error.WriteLine(line);
            },
        };

        var summary = await SoakEngine.RunAsync(options, new AgentsSoakCluster(cluster), typedHost.Services.GetRequiredService<IAgentRuns>());

        output.WriteLine(summary.ToJson());
        Console.Error.WriteLine(summary.ToJson());
        Assert.True(summary.Passed, $"{summary.Describe()}{Environment.NewLine}{summary.ToJson()}{Environment.NewLine}Logs: {cluster.LogDirectory}");
        Assert.Equal(SoakFaults.Kinds.Order(), summary.Faults.Keys.Order()); // every kind of fault was injected
        Assert.True(summary.Checked["committed steps checked for re-execution"] > 0);
    }

    private static double Setting(string name, double fallback) =>
        Environment.GetEnvironmentVariable($"ORLEANSAGENTS_SOAK_{name}") is { Length: > 0 } text
            ? double.Parse(text, CultureInfo.InvariantCulture)
            : fallback;
}
