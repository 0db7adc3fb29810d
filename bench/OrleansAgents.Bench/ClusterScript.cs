using System.Diagnostics;

namespace OrleansAgents.Bench;

/// <summary>Runs deploy/local/cluster.sh (never rebuilding): what the drills do to the local cluster.</summary>
internal sealed class ClusterScript(BenchSettings settings)
{
    private readonly string _script = Path.Combine(settings.RepositoryRoot, "deploy", "local", "cluster.sh");

    /// <summary>
    /// Runs the script; <paramref name="environment"/> reaches the processes it starts (a worker started with
    /// another agent definition is a deploy of that definition).
    /// </summary>
    public async Task<string> RunAsync(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var info = new ProcessStartInfo("bash", [_script, .. args]) { RedirectStandardOutput = true, RedirectStandardError = true };
        info.Environment["OA_SKIP_BUILD"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Console.Error.Write(output);
        return process.ExitCode == 0 ? output : throw new InvalidOperationException($"cluster.sh {string.Join(' ', args)} failed: {error}");
    }

    public Task<string> RunAsync(params string[] args) => RunAsync(null, args);
}
