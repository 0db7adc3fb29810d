using System.Diagnostics;
using System.Globalization;

namespace OrleansAgents.Testing.Soak;

/// <summary>The soak's faults on a test cluster: its silo processes and its own throwaway PostgreSQL server.</summary>
public sealed class AgentsSoakCluster(AgentsCluster cluster) : ISoakCluster
{
    public int Workers => cluster.Silos.Count;

    public Task KillWorkerAsync(int worker)
    {
        cluster.Silos[worker - 1].Kill();
        return Task.CompletedTask;
    }

    public Task StartWorkerAsync(int worker)
    {
        cluster.Silos[worker - 1].Start();
        return Task.CompletedTask;
    }

    public async Task StallWorkerAsync(int worker, TimeSpan stall)
    {
        var pid = cluster.Silos[worker - 1].ProcessId ?? throw new InvalidOperationException($"worker-{worker} is not running");
        await SignalAsync("STOP", pid);
        try
        {
            await Task.Delay(stall);
        }
        finally
        {
            await SignalAsync("CONT", pid);
        }
    }

    public Task RestartWorkerAsync(int worker, IReadOnlyDictionary<string, string> settings) => cluster.RestartSiloAsync(worker - 1, settings);

    public Task KillFrontEndAsync()
    {
        Front().Kill();
        return Task.CompletedTask;
    }

    public Task StartFrontEndAsync()
    {
        Front().Start();
        return Task.CompletedTask;
    }

    public Task StopDatabaseAsync() => cluster.Server.StopAsync();

    public Task StartDatabaseAsync() => cluster.Server.RestartAsync();

    private SiloProcess Front() => cluster.FrontEnd ?? throw new InvalidOperationException("The soak needs a cluster with a front end.");

    private static async Task SignalAsync(string signal, int pid)
    {
        using var kill = Process.Start("kill", [$"-{signal}", pid.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
    }
}
