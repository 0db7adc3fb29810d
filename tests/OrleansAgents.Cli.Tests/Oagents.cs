using System.Diagnostics;
using System.Reflection;
using OrleansAgents.Testing;

namespace OrleansAgents.Cli.Tests;

/// <summary>Runs the built <c>oagents.dll</c> as a child process with a given URL, API key and state folder.</summary>
public sealed class Oagents(Uri baseAddress, string? apiKey, string stateDirectory)
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    public string StateDirectory { get; } = stateDirectory;

    public string StateFile => Path.Combine(StateDirectory, "oagents", "watch.json");

    /// <summary>Where this test process keeps the CLI's state folders; the fixture deletes it at the end.</summary>
    public static string ScratchRoot { get; } = Path.Combine(Path.GetTempPath(), $"oagents-cli-tests-{Environment.ProcessId}");

    public static string NewStateDirectory() => Directory.CreateDirectory(Path.Combine(ScratchRoot, Guid.NewGuid().ToString("N"))).FullName;

    /// <summary>Runs to the end and returns its exit code and output.</summary>
    public async Task<CliResult> RunAsync(params string[] args)
    {
        await using var process = Start(args);
        return await process.WaitAsync(Timeout);
    }

    /// <summary>Starts without waiting; the caller reads output as it comes and stops it.</summary>
    public CliProcess Start(params string[] args)
    {
        // SIGINT at its default disposition, as in a terminal: a test run started in the background by a shell without
        // job control inherits SIGINT ignored, and the CLI's Ctrl+C test then sees its interrupt ignored.
        var startInfo = new ProcessStartInfo("env", ["--default-signal=INT", "dotnet", AssemblyPath(), .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        startInfo.Environment["OAGENTS_URL"] = baseAddress.ToString();
        startInfo.Environment.Remove("OAGENTS_API_KEY");
        if (apiKey is not null)
        {
            startInfo.Environment["OAGENTS_API_KEY"] = apiKey;
        }

        startInfo.Environment["XDG_STATE_HOME"] = StateDirectory;
        startInfo.Environment["NO_COLOR"] = "1";
        return new CliProcess(Process.Start(startInfo)!);
    }

    /// <summary>The built CLI, in the same configuration as the tests.</summary>
    public static string AssemblyPath()
    {
        var configuration = typeof(Oagents).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var path = Path.Combine(SiloProcess.RepositoryRoot(), "src", "OrleansAgents.Cli", "bin", configuration, "net10.0", "oagents.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"Build the solution first: {path} is missing.", path);
    }
}

/// <summary>How a CLI invocation ended.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public IReadOnlyList<string> Lines => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}
