using OrleansAgents.Testing;

namespace OrleansAgents.Web.Tests;

/// <summary>
/// A cluster of its own (PostgreSQL, two workers, a front end) whose offline model takes 5 s a call, so a test can
/// act while a model call streams (cancel it, or kill the worker running it) even when the first streamed text
/// reaches it late (a loaded machine: the live path can lag by up to the follower's 2 s journal check).
/// </summary>
public sealed class SlowModelFixture : IAsyncLifetime
{
    private AgentsCluster? _cluster;

    public AgentsCluster Cluster => _cluster ?? throw new InvalidOperationException("Not started.");

    public async ValueTask InitializeAsync() =>
        _cluster = await AgentsCluster.StartOnOwnServerAsync(workers: 2, frontEnd: true, settings: new Dictionary<string, string>
        {
            ["OrleansAgents__Model__OfflineLatency"] = "00:00:05",
        });

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}
