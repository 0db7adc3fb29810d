using OrleansAgents.Testing;

[assembly: AssemblyFixture(typeof(OrleansAgents.Cli.Tests.CliFixture))]

namespace OrleansAgents.Cli.Tests;

/// <summary>PostgreSQL, two worker silos and a front-end silo, as real processes, shared by the assembly; the CLI runs against it.</summary>
public sealed class CliFixture : IAsyncLifetime
{
    private AgentsCluster? _cluster;

    public AgentsCluster Cluster => _cluster ?? throw new InvalidOperationException("Not started.");

    public Uri BaseAddress => Cluster.FrontEndAddress!;

    public async ValueTask InitializeAsync()
    {
        _cluster = await AgentsCluster.StartOnOwnServerAsync(workers: 2, frontEnd: true, settings: new Dictionary<string, string>
        {
            ["FrontEnd__MaxStreamsPerOwner"] = "1000",
        });
    }

    /// <summary>The CLI against this cluster with <paramref name="apiKey"/> (null: no key at all) and its own state folder.</summary>
    public Oagents Cli(string? apiKey = "dev-user-1", string? stateDirectory = null) =>
        new(BaseAddress, apiKey, stateDirectory ?? Oagents.NewStateDirectory());

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }

        if (Directory.Exists(Oagents.ScratchRoot))
        {
            Directory.Delete(Oagents.ScratchRoot, recursive: true);
        }
    }
}
