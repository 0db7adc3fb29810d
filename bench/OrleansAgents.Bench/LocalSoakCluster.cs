using System.Diagnostics;
using System.Globalization;
using Npgsql;
using OrleansAgents.Testing.Soak;

namespace OrleansAgents.Bench;

/// <summary>
/// The soak's faults on the local cluster, through deploy/local/cluster.sh. Every worker it starts keeps the
/// execution audit on (the soak's re-execution check reads it) and the agent definitions of the latest deploy.
/// </summary>
internal sealed class LocalSoakCluster(BenchSettings settings) : ISoakCluster
{
    private readonly ClusterScript _script = new(settings);
    private Dictionary<string, string> _environment = new() { ["OrleansAgents__Journal__AuditStepExecutions"] = "true" };

    public int Workers { get; } = ReadWorkers(settings);

    public Task KillWorkerAsync(int worker) => _script.RunAsync("kill", $"worker-{worker}");

    public Task StartWorkerAsync(int worker) => _script.RunAsync(_environment, "start", $"worker-{worker}");

    public async Task StallWorkerAsync(int worker, TimeSpan stall)
    {
        var pid = File.ReadAllText(Path.Combine(settings.RepositoryRoot, settings.DataDirectory, "pids", $"worker-{worker}.pid")).Trim();
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

    public async Task RestartWorkerAsync(int worker, IReadOnlyDictionary<string, string> changed)
    {
        _environment = new Dictionary<string, string>(_environment);
        foreach (var (key, value) in changed)
        {
            _environment[key] = value;
        }

        await _script.RunAsync(_environment, "restart", $"worker-{worker}");
        await WaitForActiveAsync($"worker-{worker}");
    }

    public Task KillFrontEndAsync() => _script.RunAsync("kill", "frontend");

    public Task StartFrontEndAsync() => _script.RunAsync("start", "frontend");

    public Task StopDatabaseAsync() => _script.RunAsync("pg-stop");

    public Task StartDatabaseAsync() => _script.RunAsync("pg-start");

    /// <summary>Until membership shows the restarted worker active (the next one is restarted only then, as a rolling deploy does).</summary>
    private Task WaitForActiveAsync(string name) => WaitForActiveAsync(settings, name);

    /// <summary>Until membership shows the named silo active in its newest generation (90 s at most).</summary>
    internal static async Task WaitForActiveAsync(BenchSettings settings, string name)
    {
        await using var db = NpgsqlDataSource.Create(settings.Connection);
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(90))
        {
            try
            {
                await using var command = db.CreateCommand(
                    "SELECT status FROM orleansmembershiptable WHERE deploymentid = $1 AND siloname = $2 ORDER BY generation DESC LIMIT 1");
                command.Parameters.AddWithValue(settings.ClusterId);
                command.Parameters.AddWithValue(name);
                if (await command.ExecuteScalarAsync() is 3)
                {
                    return;
                }
            }
            catch (NpgsqlException)
            {
                // PostgreSQL is restarting.
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"{name} did not become active in 90 s after its restart; see .data/logs/{name}.log");
    }

    private static int ReadWorkers(BenchSettings settings)
    {
        var file = Path.Combine(settings.RepositoryRoot, settings.DataDirectory, "workers");
        return File.Exists(file) ? int.Parse(File.ReadAllText(file).Trim(), CultureInfo.InvariantCulture) : 2;
    }

    private static async Task SignalAsync(string signal, string pid)
    {
        using var kill = Process.Start("kill", [$"-{signal}", pid]);
        await kill.WaitForExitAsync();
    }
}
