using OrleansAgents.Testing;

namespace OrleansAgents.Web.Tests;

/// <summary>
/// A cluster of its own (PostgreSQL, two workers, a front end) whose offline model takes 2 s a call, so a test can
/// act while a model call streams: cancel it, or kill the worker running it.
/// </summary>
public sealed class SlowModelFixture : IAsyncLifetime
{
    private AgentsCluster? _cluster;

    public AgentsCluster Cluster => _cluster ?? throw new InvalidOperationException("Not started.");

    public async ValueTask InitializeAsync() =>
        _cluster = await AgentsCluster.StartOnOwnServerAsync(workers: 2, frontEnd: true, settings: new Dictionary<string, string>
        {
            ["OrleansAgents__Model__OfflineLatency"] = "00:00:02",
        });

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}
