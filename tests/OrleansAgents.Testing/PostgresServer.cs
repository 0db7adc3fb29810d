using System.Diagnostics;
using Npgsql;

namespace OrleansAgents.Testing;

/// <summary>
/// A PostgreSQL server for tests. With <c>ORLEANSAGENTS_TEST_POSTGRES</c> set (a connection string to a
/// server where the user may create databases) it uses that server; otherwise it starts a throwaway
/// server from the machine's PostgreSQL binaries in a temporary folder on a free port, running as the
/// <c>postgres</c> user when the tests run as root. It fails, never skips, when neither is possible.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    public const string ConnectionStringVariable = "ORLEANSAGENTS_TEST_POSTGRES";

    private readonly string? _dataDirectory;
    private readonly string? _binDirectory;
    private readonly bool _asPostgresUser;
    private readonly string? _serverOptions;
    private readonly string? _logPath;

    private PostgresServer(string adminConnectionString, string? dataDirectory, string? binDirectory, bool asPostgresUser, string? serverOptions = null, string? logPath = null)
    {
        AdminConnectionString = adminConnectionString;
        _dataDirectory = dataDirectory;
        _binDirectory = binDirectory;
        _asPostgresUser = asPostgresUser;
        _serverOptions = serverOptions;
        _logPath = logPath;
    }

    /// <summary>Connection string to the server's <c>postgres</c> database, as a superuser.</summary>
    public string AdminConnectionString { get; }

    public static async Task<PostgresServer> StartAsync()
    {
        if (Environment.GetEnvironmentVariable(ConnectionStringVariable) is { Length: > 0 } given)
        {
            return new PostgresServer(given, null, null, false);
        }

        var bin = FindBinDirectory() ?? throw new InvalidOperationException(
            $"No PostgreSQL server binaries found (looked for initdb via pg_config and under /usr/lib/postgresql). " +
            $"Install the 'postgresql' package or set {ConnectionStringVariable}.");

        var asPostgres = Environment.UserName == "root";
        var directory = Directory.CreateTempSubdirectory("oa-pg-").FullName;
        var data = Path.Combine(directory, "data");
        if (asPostgres)
        {
            await RunAsync("chown", ["-R", "postgres:postgres", directory], asUser: false);
        }

        await RunAsync(Path.Combine(bin, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"], asPostgres);

        var port = TestPorts.Next();
        var log = Path.Combine(directory, "postgres.log");
        var serverOptions = $"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 -c shared_buffers=128MB";
        await RunAsync(Path.Combine(bin, "pg_ctl"), ["-D", data, "-l", log, "-w", "-t", "60", "start", "-o", serverOptions], asPostgres);

        return new PostgresServer(
            $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Pooling=false;Timeout=30",
            data, bin, asPostgres, serverOptions, log);
    }

    /// <summary>Whether this is a server the tests started, which they may stop and start (outage drills).</summary>
    public bool IsThrowaway => _dataDirectory is not null;

    /// <summary>Stops the server (fast shutdown: clients are disconnected), as in an outage.</summary>
    public Task StopAsync() => IsThrowaway
        ? RunAsync(Path.Combine(_binDirectory!, "pg_ctl"), ["-D", _dataDirectory!, "-m", "fast", "-w", "stop"], _asPostgresUser)
        : throw new InvalidOperationException($"Outage drills need the throwaway server: unset {ConnectionStringVariable}.");

    /// <summary>Starts the server again after <see cref="StopAsync"/>, on the same port and data.</summary>
    public Task RestartAsync() => IsThrowaway
        ? RunAsync(Path.Combine(_binDirectory!, "pg_ctl"), ["-D", _dataDirectory!, "-l", _logPath!, "-w", "-t", "60", "start", "-o", _serverOptions!], _asPostgresUser)
        : throw new InvalidOperationException($"Outage drills need the throwaway server: unset {ConnectionStringVariable}.");

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name, Pooling = true, MaxPoolSize = 50 }.ConnectionString;
    }

    /// <summary>Drops a database made by <see cref="CreateDatabaseAsync"/>, closing its connections.</summary>
    public async Task DropDatabaseAsync(string name)
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_dataDirectory is null)
        {
            return;
        }

        try
        {
            await RunAsync(Path.Combine(_binDirectory!, "pg_ctl"), ["-D", _dataDirectory, "-m", "immediate", "-w", "stop"], _asPostgresUser);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(_dataDirectory)!, recursive: true);
        }
    }

    private static string? FindBinDirectory()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("pg_config", "--bindir") { RedirectStandardOutput = true, RedirectStandardError = true });
            var output = process!.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            if (process.ExitCode == 0 && File.Exists(Path.Combine(output, "initdb")))
            {
                return output;
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // pg_config is not installed; look in the package folder.
        }

        return Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb")))
                .OrderDescending(StringComparer.Ordinal)
                .FirstOrDefault()
            : null;
    }

    private static async Task RunAsync(string file, string[] args, bool asUser)
    {
        var info = asUser ? new ProcessStartInfo("runuser", ["-u", "postgres", "--", file, .. args]) : new ProcessStartInfo(file, args);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.WorkingDirectory = Path.GetTempPath();
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited with {process.ExitCode}: {await stderr}{await stdout}");
        }
    }
}
