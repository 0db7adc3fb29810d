using System.ComponentModel.DataAnnotations;
using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans.Serialization;
using Orleans.Storage;
using OrleansAgents.Agents;
using OrleansAgents.Agents.Bench;
using OrleansAgents.Agents.Chat;
using OrleansAgents.Agents.VoiceAgentBuilder;
using OrleansAgents.Database;
using OrleansAgents.Journal;
using OrleansAgents.Models;
using OrleansAgents.Models.Offline;
using OrleansAgents.Recovery;
using OrleansAgents.Runs;

namespace OrleansAgents.Hosting;

/// <summary>Wiring of an OrleansAgents silo: clustering, storage, reminders, streams, journal and agents.</summary>
public static class OrleansAgentsHostingExtensions
{
    /// <summary>
    /// Makes this silo a member of the OrleansAgents cluster on PostgreSQL (connection string
    /// <c>ConnectionStrings:Postgres</c>), able to host runs.
    /// </summary>
    public static ISiloBuilder AddOrleansAgentsSilo(this ISiloBuilder silo, IConfiguration configuration)
    {
        var host = configuration.GetSection(ClusterHostOptions.SectionName).Get<ClusterHostOptions>() ?? new ClusterHostOptions();
        Validator.ValidateObject(host, new ValidationContext(host), validateAllProperties: true);
        // The Orleans providers open a pooled connection per query: skip the session reset on each return.
        var connectionString = new NpgsqlConnectionStringBuilder(GetConnectionString(configuration)) { NoResetOnClose = true }.ConnectionString;

        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = host.ClusterId;
            o.ServiceId = host.ServiceId;
        });
        if (!string.IsNullOrEmpty(host.SiloName))
        {
            silo.Configure<SiloOptions>(o => o.SiloName = host.SiloName);
        }

        silo.ConfigureEndpoints(AdvertisedAddress(host), host.SiloPort, host.GatewayPort, host.ListenOnAnyHostAddress);

        silo.UseAdoNetClustering(o =>
        {
            o.Invariant = OrleansAgentsNames.NpgsqlInvariant;
            o.ConnectionString = connectionString;
        });
        silo.AddAdoNetGrainStorage(OrleansAgentsNames.RunStorage, o =>
        {
            o.Invariant = OrleansAgentsNames.NpgsqlInvariant;
            o.ConnectionString = connectionString;
            // Plain JSON, readable from SQL: convert_from(payloadbinary, 'UTF8')::jsonb.
            o.GrainStorageSerializer = new SystemTextJsonGrainStorageSerializer(
                Options.Create(new SystemTextJsonGrainStorageSerializerOptions()));
        });
        silo.AddAdoNetGrainStorage(OrleansAgentsNames.PubSubStore, o =>
        {
            o.Invariant = OrleansAgentsNames.NpgsqlInvariant;
            o.ConnectionString = connectionString;
        });
        silo.UseAdoNetReminderService(o =>
        {
            o.Invariant = OrleansAgentsNames.NpgsqlInvariant;
            o.ConnectionString = connectionString;
        });
        // Live delivery only (the journal is the record). The pulling agents poll every 100 ms by default,
        // which would be most of the commit-to-client latency; 25 ms trades a little idle CPU for it.
        silo.AddMemoryStreams(OrleansAgentsNames.StreamProvider, streams => streams.ConfigurePullingAgent(agent => agent.Configure(o =>
            o.GetQueueMsgsTimerPeriod = configuration.GetValue<TimeSpan?>($"{RunOptions.SectionName}:StreamPollPeriod") ?? TimeSpan.FromMilliseconds(25))));

        // Fast failure detection for a small cluster (a killed silo is declared dead in about 1-2 s);
        // every value can be overridden under Cluster:Membership.
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = TimeSpan.FromSeconds(1);
            o.NumMissedProbesLimit = 2;
            o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5);
            o.TableRefreshTimeout = TimeSpan.FromSeconds(5);
            o.DeathVoteExpirationTimeout = TimeSpan.FromSeconds(30);
        });
        silo.Services.Configure<ClusterMembershipOptions>(configuration.GetSection($"{ClusterHostOptions.SectionName}:Membership"));
        silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(5));
        silo.Services.Configure<ReminderOptions>(configuration.GetSection($"{ClusterHostOptions.SectionName}:Reminders"));

        silo.Services.AddOrleansAgentsRuntime(configuration);

        // The Orleans Dashboard must be registered on every silo; the front end serves it at /dashboard.
        silo.AddDashboard();

        // In a Kubernetes pod: silo name, address and cluster identity come from the pod (see deploy/k8s).
        if (Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST") is { Length: > 0 }
            && configuration.GetValue($"{ClusterHostOptions.SectionName}:Kubernetes", true))
        {
            silo.UseKubernetesHosting();
        }

        return silo;
    }

    private static IPAddress AdvertisedAddress(ClusterHostOptions host)
    {
        if (!string.IsNullOrWhiteSpace(host.AdvertisedIP))
        {
            return IPAddress.TryParse(host.AdvertisedIP, out var address)
                ? address
                : throw new OptionsValidationException(ClusterHostOptions.SectionName, typeof(ClusterHostOptions), [$"Cluster:AdvertisedIP '{host.AdvertisedIP}' is not an IP address."]);
        }

        return Dns.GetHostAddresses(Dns.GetHostName())
            .FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
            ?? IPAddress.Loopback;
    }

    /// <summary>The services behind runs: PostgreSQL data source, journal, agents, recovery.</summary>
    public static IServiceCollection AddOrleansAgentsRuntime(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOrleansAgentsDatabase(configuration);
        services.TryAddSingleton(TimeProvider.System);

        services.AddOptions<JournalOptions>().BindConfiguration(JournalOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RunOptions>().BindConfiguration(RunOptions.SectionName)
            .Validate(o => o.ReminderPeriod >= TimeSpan.FromSeconds(5), "OrleansAgents:Runs:ReminderPeriod must be at least 5 seconds.")
            .Validate(o => o.MaxAttempts is >= 1 and <= 100, "OrleansAgents:Runs:MaxAttempts must be from 1 to 100.")
            .Validate(o => o.StepTimeout > TimeSpan.Zero, "OrleansAgents:Runs:StepTimeout must be positive.")
            .Validate(o => o.RecoveryWakeConcurrency is >= 1 and <= 1024, "OrleansAgents:Runs:RecoveryWakeConcurrency must be from 1 to 1024.")
            .ValidateOnStart();

        services.AddSingleton<JournalWriter>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<JournalWriter>());
        services.AddSingleton<JournalStore>();

        services.AddOptions<ModelOptions>().BindConfiguration(ModelOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => !o.IsOnline || Uri.TryCreate(o.Endpoint, UriKind.Absolute, out _), "OrleansAgents:Model:Endpoint must be an absolute URL.")
            .ValidateOnStart();
        services.AddSingleton<ModelClientFactory>();
        services.AddOptions<VoiceAgentBuilderOptions>().BindConfiguration(VoiceAgentBuilderOptions.SectionName)
            .Validate(o => o.MaxSteps is > 0 and <= 1000, "OrleansAgents:Agents:VoiceAgentBuilder:MaxSteps must be from 1 to 1000.")
            .ValidateOnStart();
        services.AddSingleton<IOfflinePlaybook, VoiceAgentBuilderPlaybook>();
        services.AddSingleton<VoiceAgentTools>();

        services.AddSingleton<IAgent, BenchAgent>();
        services.AddChatAgent(VoiceAgentBuilderAgent.Create);
        services.AddSingleton<AgentRegistry>();

        services.AddHostedService<DeadSiloRecoveryService>();
        services.AddSingleton<RunReactivator>();
        services.AddHostedService(sp => sp.GetRequiredService<RunReactivator>());
        return services;
    }

    /// <summary>One shared <see cref="NpgsqlDataSource"/> and the schema migrator.</summary>
    public static IServiceCollection AddOrleansAgentsDatabase(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = GetConnectionString(configuration);
        services.TryAddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        services.TryAddSingleton<SchemaMigrator>();
        return services;
    }

    private static string GetConnectionString(IConfiguration configuration) =>
        configuration.GetConnectionString(OrleansAgentsNames.ConnectionStringName) is { Length: > 0 } value
            ? value
            : throw new OptionsValidationException(
                OrleansAgentsNames.ConnectionStringName, typeof(string),
                ["ConnectionStrings:Postgres is required (environment variable ConnectionStrings__Postgres)."]);
}
