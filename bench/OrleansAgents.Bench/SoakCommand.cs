using Microsoft.Extensions.DependencyInjection;
using OrleansAgents.Client;
using OrleansAgents.Testing.Soak;

namespace OrleansAgents.Bench;

/// <summary>
/// <c>--workload SOAK</c>: the chaos soak on the local cluster (deploy/local/drill.sh soak). Prints one JSON
/// summary line; exits 1 on any broken promise, with the seed that replays it.
/// </summary>
internal static class SoakCommand
{
    public static async Task<int> RunAsync(BenchSettings settings)
    {
        var options = new SoakOptions
        {
            Duration = settings.SoakDuration,
            FaultEvery = settings.FaultEvery,
            Seed = settings.Seed,
            RunsInFlight = settings.Runs ?? 200,
            FrontEnd = settings.FrontEnd,
            ConnectionString = settings.Connection,
            ClusterId = settings.ClusterId,
            ServiceId = settings.ClusterId,
            Log = line => Console.Error.WriteLine(line),
        };
        using var typed = await TypedClientHost.StartAsync(settings.Connection, settings.ClusterId, settings.ClusterId);
        var summary = await SoakEngine.RunAsync(options, new LocalSoakCluster(settings), typed.Services.GetRequiredService<IAgentRuns>());
        Console.WriteLine(summary.ToJson());
        Console.Error.WriteLine(summary.Describe());
        return summary.Passed ? 0 : 1;
    }
}
