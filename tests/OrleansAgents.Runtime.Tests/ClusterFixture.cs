using OrleansAgents.Testing;

namespace OrleansAgents.Runtime.Tests;

/// <summary>A two-worker cluster shared by the tests of a collection.</summary>
public sealed class ClusterFixture(PostgresFixture postgres) : IAsyncLifetime
{
    private AgentsCluster? _cluster;

    public AgentsCluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster is not started.");

    public async ValueTask InitializeAsync() => _cluster = await AgentsCluster.StartAsync(postgres.Server, workers: 2);

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class SharedClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "shared cluster";
}
