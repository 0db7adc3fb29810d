using System.ComponentModel.DataAnnotations;
using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OrleansAgents.Hosting.Placement;
using OrleansAgents.Journal;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans.Serialization;
using Orleans.Storage;

namespace OrleansAgents.Hosting;

/// <summary>
/// Wiring every silo of the cluster shares, worker or front end: clustering, grain storage, reminders and
/// streams on PostgreSQL, failure detection, the dashboard. Workers add runs on top (<c>AddOrleansAgentsRuns</c>).
/// </summary>
public static class ClusterSiloBuilderExtensions
{
    private const string StreamQueuesKey = "OrleansAgents:Runs:StreamQueues";

    /// <summary>
    /// Makes this silo a member of the OrleansAgents cluster on PostgreSQL (connection string
    /// <c>ConnectionStrings:Postgres</c>).
    /// </summary>
    public static ISiloBuilder AddOrleansAgentsCluster(this ISiloBuilder silo, IConfiguration configuration)
    {
        var host = configuration.GetSection(ClusterHostOptions.SectionName).Get<ClusterHostOptions>() ?? new ClusterHostOptions();
        Validator.ValidateObject(host, new ValidationContext(host), validateAllProperties: true);
        // The Orleans providers open a pooled connection per query: skip the session reset on each return.
        var connectionString = JournalServiceCollectionExtensions.WithoutSessionReset(JournalServiceCollectionExtensions.GetConnectionString(configuration));

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

        // PostgreSQL's failures cross the cluster as themselves (not "Could not find a codec for type
        // Npgsql.NpgsqlException"), so a caller can tell "the store is down, try again" from a bug.
        silo.Services.Configure<ExceptionSerializationOptions>(o => o.SupportedNamespacePrefixes.Add("Npgsql"));

        silo.UseAdoNetClustering(o =>
        {
            o.Invariant = OrleansAgentsNames.NpgsqlInvariant;
            o.ConnectionString = connectionString;
        });
        silo.AddAdoNetGrainStorage(OrleansAgentsNames.RunStorage, o =>
        {
            o.Invariant = OrleansAgentsNames.NpgsqlInvariant;
            o.ConnectionString = connectionString;
            // Retention removes a run's header row, not just its payload.
            o.DeleteStateOnClear = true;
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
        // Live delivery to typed-client watchers only (the journal is the record; front ends are sent events
        // directly). The pulling agents poll every 100 ms by default, which would be most of the commit-to-client
        // latency; 25 ms trades idle CPU for it. Each queue is polled by its agent all the time, watched or not, and
        // Orleans' default of 8 queues was 320 grain calls a second on an idle three-silo cluster: 2 queues by
        // default (every silo of a cluster must use the same count).
        var streamQueues = configuration.GetValue<int?>(StreamQueuesKey) ?? 2;
        if (streamQueues is < 1 or > 256)
        {
            throw new OptionsValidationException(StreamQueuesKey, typeof(int), [$"{StreamQueuesKey} must be from 1 to 256 (was {streamQueues})."]);
        }

        silo.AddMemoryStreams(OrleansAgentsNames.StreamProvider, streams =>
        {
            streams.ConfigurePartitioning(streamQueues);
            streams.ConfigurePullingAgent(agent => agent.Configure(o =>
                o.GetQueueMsgsTimerPeriod = configuration.GetValue<TimeSpan?>("OrleansAgents:Runs:StreamPollPeriod") ?? TimeSpan.FromMilliseconds(25)));
        });

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

        silo.Services.AddOrleansAgentsDatabase(configuration);

        // Runs are placed where their agent version is hosted (every silo places, so every silo registers it).
        silo.Services.AddPlacementDirector<AgentVersionPlacement, AgentVersionPlacementDirector>();
        silo.Services.TryAddSingleton(TimeProvider.System);

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
}
