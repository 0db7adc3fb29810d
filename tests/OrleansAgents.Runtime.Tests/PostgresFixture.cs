using OrleansAgents.Testing;

[assembly: AssemblyFixture(typeof(OrleansAgents.Runtime.Tests.PostgresFixture))]

namespace OrleansAgents.Runtime.Tests;

/// <summary>One PostgreSQL server for the whole test assembly; each cluster gets its own database on it.</summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private PostgresServer? _server;

    public PostgresServer Server => _server ?? throw new InvalidOperationException("PostgreSQL is not started.");

    public async ValueTask InitializeAsync() => _server = await PostgresServer.StartAsync();

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
