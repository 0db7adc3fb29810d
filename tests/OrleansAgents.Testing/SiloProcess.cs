using System.Diagnostics;
using System.Reflection;

namespace OrleansAgents.Testing;

/// <summary>A worker silo running as its own process, started from the built OrleansAgents.Silo.</summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private readonly ProcessStartInfo _startInfo;
    private Process? _process;
    private StreamWriter? _log;

    public SiloProcess(string name, int siloPort, int gatewayPort, IReadOnlyDictionary<string, string> environment, string logDirectory, string? assemblyPath = null)
    {
        Name = name;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
        LogPath = Path.Combine(logDirectory, $"{name}.log");
        assemblyPath ??= SiloAssemblyPath();
        _startInfo = new ProcessStartInfo("dotnet", [assemblyPath])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(assemblyPath)!,
        };
        foreach (var (key, value) in environment)
        {
            _startInfo.Environment[key] = value;
        }

        _startInfo.Environment["Cluster__SiloName"] = name;
        _startInfo.Environment["Cluster__SiloPort"] = siloPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _startInfo.Environment["Cluster__GatewayPort"] = gatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _startInfo.Environment["DOTNET_ENVIRONMENT"] = "Development";
        MetricsPort = TestPorts.Next();
        _startInfo.Environment["Telemetry__PrometheusPort"] = MetricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The worker's Prometheus scrape port (GET /metrics).</summary>
    public int MetricsPort { get; }

    public string Name { get; }

    public int SiloPort { get; }

    public int GatewayPort { get; }

    public string LogPath { get; }

    public bool IsRunning => _process is { HasExited: false };

    public int? ProcessId => _process?.Id;

    /// <summary>"running (pid N)", "exited with code N" or "not started", for diagnostics.</summary>
    public string State => _process switch
    {
        null => "not started",
        { HasExited: true } p => $"exited with code {p.ExitCode}",
        var p => $"running (pid {p.Id})",
    };

    public void Start()
    {
        if (IsRunning)
        {
            return;
        }

        _log?.Dispose();
        _log = new StreamWriter(new FileStream(LogPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        var process = Process.Start(_startInfo)!;
        var log = _log;
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
    }

    /// <summary>SIGKILL: the process dies between any two instructions, as in a crash.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
    }

    /// <summary>SIGTERM, then wait for a graceful exit.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }

        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
        }
    }

    public string ReadLog()
    {
        using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Writes a line of the harness's own into this process's log.</summary>
    public void AppendToLog(string line)
    {
        if (_log is { } log)
        {
            Write(log, line);
        }
    }

    /// <summary>The last <paramref name="lines"/> lines of the log, or none when it does not exist yet.</summary>
    public IReadOnlyList<string> ReadLogTail(int lines)
    {
        if (!File.Exists(LogPath))
        {
            return [];
        }

        var all = ReadLog().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return all[Math.Max(0, all.Length - lines)..];
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(10));
        _process?.Dispose();
        _log?.Dispose();
    }

    /// <summary>The built worker silo assembly, in the same configuration as the tests.</summary>
    public static string SiloAssemblyPath() => HostAssemblyPath("OrleansAgents.Silo");

    /// <summary>The built front-end silo assembly, in the same configuration as the tests.</summary>
    public static string WebAssemblyPath() => HostAssemblyPath("OrleansAgents.Web");

    private static string HostAssemblyPath(string project)
    {
        var configuration = typeof(SiloProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var path = Path.Combine(RepositoryRoot(), "src", project, "bin", configuration, "net10.0", $"{project}.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"Build the solution first: {path} is missing.", path);
    }

    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "OrleansAgents.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("OrleansAgents.sln not found above the test output folder.");
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            try
            {
                log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

}
