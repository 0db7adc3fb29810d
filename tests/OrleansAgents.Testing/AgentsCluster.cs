using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Orleans.Configuration;
using Microsoft.Extensions.Logging;
using OrleansAgents.Database;
using Microsoft.Extensions.Logging.Abstractions;

namespace OrleansAgents.Testing;

/// <summary>
/// A real local cluster for tests: its own database on the shared test PostgreSQL server, worker silos
/// as separate processes, and an Orleans client in the test process. Disposing stops every process and
/// drops the database.
/// </summary>
public sealed class AgentsCluster : IAsyncDisposable
{
    private readonly PostgresServer _server;
    private readonly string _database;
    private readonly Dictionary<string, string> _environment;
    private IHost? _clientHost;
    private bool _ownsServer;

    private AgentsCluster(PostgresServer server, string database, string connectionString, string serviceId, string logDirectory, Dictionary<string, string> environment)
    {
        _server = server;
        _database = database;
        ConnectionString = connectionString;
        ServiceId = serviceId;
        LogDirectory = logDirectory;
        _environment = environment;
        DataSource = NpgsqlDataSource.Create(connectionString);
    }

    public string ConnectionString { get; }

    public string ServiceId { get; }

    public string LogDirectory { get; }

    public NpgsqlDataSource DataSource { get; }

    /// <summary>The journal's own databases when the cluster spreads it over several (<c>ConnectionStrings:JournalShards</c>), in shard order.</summary>
    public IReadOnlyList<NpgsqlDataSource> JournalShards => _shards.Select(s => s.DataSource).ToList();

    private readonly List<(string Database, NpgsqlDataSource DataSource)> _shards = [];

    /// <summary>The PostgreSQL server the cluster's database lives on (outage drills stop and start it).</summary>
    public PostgresServer Server => _server;

    public List<SiloProcess> Silos { get; } = [];

    /// <summary>The front-end silo, when started with one.</summary>
    public SiloProcess? FrontEnd { get; private set; }

    /// <summary>The front end's base address, e.g. http://127.0.0.1:PORT.</summary>
    public Uri? FrontEndAddress { get; private set; }

    public IClusterClient Client => _clientHost?.Services.GetRequiredService<IClusterClient>()
        ?? throw new InvalidOperationException("The cluster client is not started.");

    /// <summary>Creates the database, applies the schema and starts <paramref name="workers"/> worker silos and a client.</summary>
    /// <summary>
    /// A cluster on a PostgreSQL server of its own (or <c>ORLEANSAGENTS_TEST_POSTGRES</c>), stopped with the cluster:
    /// for test assemblies that need nothing else from the server.
    /// </summary>
    public static async Task<AgentsCluster> StartOnOwnServerAsync(
        int workers = 2, IReadOnlyDictionary<string, string>? settings = null, bool frontEnd = false)
    {
        var server = await PostgresServer.StartAsync();
        try
        {
            var cluster = await StartAsync(server, workers, settings, frontEnd);
            cluster._ownsServer = true;
            return cluster;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public static async Task<AgentsCluster> StartAsync(
        PostgresServer server, int workers = 2, IReadOnlyDictionary<string, string>? settings = null, bool frontEnd = false, int journalShards = 0)
    {
        var id = $"oa_{Guid.NewGuid():N}"[..20];
        var connectionString = await server.CreateDatabaseAsync(id);
        var logDirectory = Path.Combine(SiloProcess.RepositoryRoot(), "artifacts", "test-logs", id);
        Directory.CreateDirectory(logDirectory);

        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = connectionString,
            ["Cluster__ClusterId"] = id,
            ["Cluster__ServiceId"] = id,
            ["OrleansAgents__Journal__AuditStepExecutions"] = "true",
            ["OrleansAgents__Runs__ReminderPeriod"] = "00:00:05",
            ["Logging__LogLevel__Default"] = "Information",
            ["Logging__LogLevel__Orleans"] = "Warning",
            ["Logging__LogLevel__Polly"] = "Warning",
            ["Logging__LogLevel__OrleansAgents"] = "Information",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        var cluster = new AgentsCluster(server, id, connectionString, id, logDirectory, environment);
        try
        {
            await new SchemaMigrator(cluster.DataSource, NullLogger<SchemaMigrator>.Instance).ApplyAsync();
            for (var i = 0; i < journalShards; i++)
            {
                var database = $"{id}_j{i}";
                var shard = await server.CreateDatabaseAsync(database);
                cluster._shards.Add((database, NpgsqlDataSource.Create(shard)));
                await new SchemaMigrator(cluster._shards[i].DataSource, NullLogger<SchemaMigrator>.Instance).ApplyAsync();
                environment[$"ConnectionStrings__JournalShards__{i}"] = shard;
            }

            for (var i = 1; i <= workers; i++)
            {
                cluster.AddSilo($"worker-{i}").Start();
            }

            if (frontEnd)
            {
                cluster.StartFrontEnd();
            }

            await cluster.StartClientAsync();
            await cluster.WaitForStartAsync(workers + (frontEnd ? 1 : 0));
            if (frontEnd)
            {
                await cluster.WaitForFrontEndStartAsync();
            }

            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private void StartFrontEnd()
    {
        (FrontEnd, FrontEndAddress) = NewFrontEnd("frontend", home: null);
        FrontEnd.Start();
    }

    /// <summary>A front-end silo process of this cluster on a free port (not started), with its own HOME if given.</summary>
    private (SiloProcess FrontEnd, Uri Address) NewFrontEnd(string name, string? home)
    {
        var port = TestPorts.Next();
        var environment = new Dictionary<string, string>(_environment)
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
        };
        if (home is not null)
        {
            environment["HOME"] = home;
        }

        return (new SiloProcess(name, TestPorts.Next(), TestPorts.Next(), environment, LogDirectory, SiloProcess.WebAssemblyPath()), new Uri($"http://127.0.0.1:{port}"));
    }

    /// <summary>
    /// Starts one more front-end silo in this cluster, as on another machine: its own HOME, so nothing it keeps on
    /// disk (Data Protection's default key directory, for one) is shared with the first. Dispose it when done; the
    /// caller removes <paramref name="home"/>.
    /// </summary>
    public async Task<(SiloProcess FrontEnd, Uri Address)> StartAnotherFrontEndAsync(string name, string home)
    {
        var (frontEnd, address) = NewFrontEnd(name, home);
        try
        {
            frontEnd.Start();
            await WaitForReadyAsync(address, FrontEndStartTimeout);
            return (frontEnd, address);
        }
        catch
        {
            await frontEnd.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// How long a starting front end may take to answer /health/ready. Generous: CI runs the test projects side by
    /// side on two cores, and once took over 60 s to bring a one-worker cluster's front end up.
    /// </summary>
    public static readonly TimeSpan FrontEndStartTimeout = TimeSpan.FromSeconds(150);

    /// <summary>Waits until the front end answers /health/ready.</summary>
    public Task WaitForFrontEndAsync(TimeSpan timeout) => WaitForReadyAsync(FrontEndAddress!, timeout);

    /// <summary>
    /// Waits for the starting front end; one that exits first (another process took its HTTP port between
    /// <see cref="TestPorts.Next"/> and the bind, say) is started once more on new ports, with the reason in its log.
    /// </summary>
    private async Task WaitForFrontEndStartAsync()
    {
        var exited = FrontEnd!;
        try
        {
            await WaitForReadyAsync(FrontEndAddress!, FrontEndStartTimeout, exited);
            return;
        }
        catch (FrontEndExitedException)
        {
        }

        var reason = $"harness: {exited.Name} exited before it was ready ({exited.State}); starting it once more on new ports.";
        await Console.Error.WriteLineAsync($"{reason} Logs: {LogDirectory}");
        exited.AppendToLog(reason);
        await exited.DisposeAsync();
        StartFrontEnd();
        await WaitForReadyAsync(FrontEndAddress!, FrontEndStartTimeout);
    }

    private async Task WaitForReadyAsync(Uri frontEnd, TimeSpan timeout, SiloProcess? process = null)
    {
        using var http = new HttpClient { BaseAddress = frontEnd, Timeout = TimeSpan.FromSeconds(5) };
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            if (process is { IsRunning: false })
            {
                throw new FrontEndExitedException();
            }

            try
            {
                using var response = await http.GetAsync(new Uri("/health/ready", UriKind.Relative), cts.Token);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception) when (!cts.IsCancellationRequested)
            {
                // Not listening yet.
            }
            catch (OperationCanceledException)
            {
                // The deadline passed during the request: said below.
            }

            if (cts.IsCancellationRequested)
            {
                throw new TimeoutException($"The front end did not become ready in {timeout}. Logs: {LogDirectory}{Environment.NewLine}{await DescribeAsync()}");
            }

            await Task.Delay(200, CancellationToken.None);
        }
    }

    /// <summary>The worker holding a run now, as the runs table names it (<c>oa_runs.silo</c>).</summary>
    public async Task<SiloProcess> HolderOfAsync(string runId)
    {
        await using var command = DataSource.CreateCommand("SELECT silo FROM oa_runs WHERE run_id = $1");
        command.Parameters.AddWithValue(runId);
        var address = await command.ExecuteScalarAsync() as string
            ?? throw new InvalidOperationException($"Run {runId} has no holder now: it has not started, or it has ended.");
        return Silos.Single(s => address.Contains($":{s.SiloPort}@", StringComparison.Ordinal));
    }

    public SiloProcess AddSilo(string name) => AddSilo(name, new Dictionary<string, string>());

    /// <summary>A worker with settings of its own on top of the cluster's (a deploy of a changed definition, say).</summary>
    public SiloProcess AddSilo(string name, IReadOnlyDictionary<string, string> settings)
    {
        var environment = new Dictionary<string, string>(_environment);
        foreach (var (key, value) in settings)
        {
            environment[key] = value;
        }

        var silo = new SiloProcess(name, TestPorts.Next(), TestPorts.Next(), environment, LogDirectory);
        Silos.Add(silo);
        return silo;
    }

    /// <summary>
    /// A deploy of one worker: stops it gracefully and starts it again under the same name and ports with
    /// <paramref name="settings"/> on top of the cluster's, and returns once it is active.
    /// </summary>
    public async Task RestartSiloAsync(int index, IReadOnlyDictionary<string, string> settings)
    {
        var old = Silos[index];
        await old.StopAsync(TimeSpan.FromSeconds(60));
        await old.DisposeAsync();
        var environment = new Dictionary<string, string>(_environment);
        foreach (var (key, value) in settings)
        {
            environment[key] = value;
        }

        var replacement = new SiloProcess(old.Name, old.SiloPort, old.GatewayPort, environment, LogDirectory);
        Silos[index] = replacement;
        replacement.Start();
        await WaitForActiveSilosAsync(Silos.Count + (FrontEnd is null ? 0 : 1), TimeSpan.FromSeconds(90));
    }

    /// <summary>
    /// Waits for a freshly started cluster to form. On a loaded two-core CI machine a silo has, rarely,
    /// failed to become active in a minute (CI keeps no logs, so the cause is unknown): a silo that has
    /// exited or is not active after 45 s is restarted once, with the reason written to its log and to
    /// stderr, and the cluster gets 75 s more. A second failure fails the test with the membership table
    /// and every process's last log lines.
    /// </summary>
    private async Task WaitForStartAsync(int count)
    {
        if (await TryWaitForActiveSilosAsync(count, TimeSpan.FromSeconds(45)))
        {
            return;
        }

        var membership = await ReadMembershipAsync();
        var description = Describe(membership);
        var active = (membership.Members ?? []).Where(m => m.Status == SiloStatus.Active).Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var silo in Silos.Append(FrontEnd).OfType<SiloProcess>().Where(s => !s.IsRunning || !active.Contains(s.Name)).ToList())
        {
            // New ports too, in case another process took one of them between TestPorts.Next() and the bind.
            var reason = $"harness: {silo.Name} not active 45 s after start ({silo.State}); restarting it once on new ports.";
            await Console.Error.WriteLineAsync($"{reason} Cluster {ServiceId}:{Environment.NewLine}{description}");
            silo.AppendToLog(reason);
            silo.Kill();
            await silo.DisposeAsync();
            if (silo == FrontEnd)
            {
                StartFrontEnd();
            }
            else
            {
                var replacement = new SiloProcess(silo.Name, TestPorts.Next(), TestPorts.Next(), _environment, LogDirectory);
                Silos[Silos.IndexOf(silo)] = replacement;
                replacement.Start();
            }
        }

        await WaitForActiveSilosAsync(count, TimeSpan.FromSeconds(75));
    }

    /// <summary>Waits until membership shows exactly this many active silos.</summary>
    public async Task WaitForActiveSilosAsync(int count, TimeSpan timeout)
    {
        if (!await TryWaitForActiveSilosAsync(count, timeout))
        {
            throw new TimeoutException(
                $"The cluster did not reach {count} active silos in {timeout}. Logs: {LogDirectory}{Environment.NewLine}{await DescribeAsync()}");
        }
    }

    private async Task<bool> TryWaitForActiveSilosAsync(int count, TimeSpan timeout)
    {
        var management = Client.GetGrain<IManagementGrain>(0);
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            try
            {
                var hosts = await management.GetHosts(onlyActive: true);
                if (hosts.Count == count)
                {
                    return true;
                }
            }
            catch (Exception) when (!cts.IsCancellationRequested)
            {
                // The gateway may be restarting.
            }

            if (cts.IsCancellationRequested)
            {
                return false;
            }

            await Task.Delay(200);
        }
    }

    /// <summary>
    /// What a failed start needs to be understood from the test output alone (CI keeps no files): the
    /// membership table, and each process's state and last log lines.
    /// </summary>
    public async Task<string> DescribeAsync() => Describe(await ReadMembershipAsync());

    private string Describe((IReadOnlyList<Member>? Members, string? Error) membership)
    {
        var text = new System.Text.StringBuilder();
        if (membership.Members is not { } members)
        {
            text.AppendLine($"membership: unreadable ({membership.Error})");
        }
        else
        {
            text.AppendLine("membership (name address:port generation status iamalive suspicions):");
            foreach (var m in members)
            {
                text.AppendLine(System.Globalization.CultureInfo.InvariantCulture,
                    $"  {m.Name} {m.Address}:{m.Port} {m.Generation} {m.Status} {m.IAmAlive:O} {m.Suspicions}");
            }
        }

        foreach (var silo in Silos.Append(FrontEnd).OfType<SiloProcess>())
        {
            text.AppendLine(System.Globalization.CultureInfo.InvariantCulture,
                $"{silo.Name} (silo port {silo.SiloPort}, gateway {silo.GatewayPort}): {silo.State}; last log lines:");
            foreach (var line in silo.ReadLogTail(40))
            {
                text.Append("  | ").AppendLine(line);
            }
        }

        return text.ToString();
    }

    /// <summary>This cluster's rows of the membership table, or why the database could not be read.</summary>
    private async Task<(IReadOnlyList<Member>? Members, string? Error)> ReadMembershipAsync()
    {
        try
        {
            await using var command = DataSource.CreateCommand(
                "SELECT siloname, address, port, generation, status, iamalivetime, coalesce(suspecttimes, '') FROM orleansmembershiptable WHERE deploymentid = $1 ORDER BY generation, port");
            command.Parameters.AddWithValue(ServiceId);
            await using var reader = await command.ExecuteReaderAsync();
            var members = new List<Member>();
            while (await reader.ReadAsync())
            {
                members.Add(new Member(reader.GetString(0), reader.GetString(1), reader.GetInt32(2), reader.GetInt32(3),
                    (SiloStatus)reader.GetInt32(4), reader.GetDateTime(5), reader.GetString(6)));
            }

            return (members, null);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            return (null, e.Message); // treated as no silo active: every silo is restarted
        }
    }

    private sealed record Member(string Name, string Address, int Port, int Generation, SiloStatus Status, DateTime IAmAlive, string Suspicions);

    private async Task StartClientAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var host = BuildClientHost();
            try
            {
                await host.StartAsync(cts.Token);
                _clientHost = host;
                return;
            }
            catch (Exception) when (!cts.IsCancellationRequested)
            {
                // No gateway registered yet: the silos are still starting.
                host.Dispose();
                await Task.Delay(500, CancellationToken.None);
            }
            catch (OperationCanceledException)
            {
                host.Dispose();
                throw new TimeoutException(
                    $"No gateway accepted the test client in 60 s. Logs: {LogDirectory}{Environment.NewLine}{await DescribeAsync()}");
            }
        }
    }

    private IHost BuildClientHost()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = ServiceId;
                o.ServiceId = ServiceId;
            });
            client.UseAdoNetClustering(o =>
            {
                o.Invariant = OrleansAgentsNames.NpgsqlInvariant;
                o.ConnectionString = ConnectionString;
            });
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(1));
        });
        return builder.Build();
    }

    public async ValueTask DisposeAsync()
    {
        if (_clientHost is not null)
        {
            try
            {
                await _clientHost.StopAsync(TimeSpan.FromSeconds(5));
            }
            catch (Exception)
            {
                // The cluster may already be gone.
            }

            _clientHost.Dispose();
        }

        await Task.WhenAll(Silos.Append(FrontEnd).OfType<SiloProcess>().Select(s => s.DisposeAsync().AsTask()));
        await DataSource.DisposeAsync();
        await _server.DropDatabaseAsync(_database);
        foreach (var (database, dataSource) in _shards)
        {
            await dataSource.DisposeAsync();
            await _server.DropDatabaseAsync(database);
        }

        if (_ownsServer)
        {
            await _server.DisposeAsync();
        }
    }
}
