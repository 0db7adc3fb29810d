using OrleansAgents.Testing;

namespace OrleansAgents.Runtime.Tests;

/// <summary>
/// Two workers running voice-agent-builder and document-analyst on the offline model, with a run's children limited
/// to <see cref="MaxChildrenPerRun"/> so a test can pass the limit.
/// </summary>
public sealed class DelegationClusterFixture(PostgresFixture postgres) : IAsyncLifetime
{
    public const int MaxChildrenPerRun = 3;

    private AgentsCluster? _cluster;

    public AgentsCluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster is not started.");

    public async ValueTask InitializeAsync() => _cluster = await AgentsCluster.StartAsync(postgres.Server, workers: 2, settings: new Dictionary<string, string>
    {
        ["OrleansAgents__Model__OfflineLatency"] = "00:00:00.040",
        ["OrleansAgents__Agents__VoiceAgentBuilder__ToolLatency"] = "00:00:00.010",
        ["OrleansAgents__Runs__Quotas__MaxChildrenPerRun"] = MaxChildrenPerRun.ToString(System.Globalization.CultureInfo.InvariantCulture),
    });

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}
