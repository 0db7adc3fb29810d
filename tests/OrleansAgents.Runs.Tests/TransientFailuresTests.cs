using System.Net.Sockets;
using Npgsql;

namespace OrleansAgents.Runs.Tests;

/// <summary>
/// Which step failures are met again (retried, or asked about for a tool that is not idempotent) rather than
/// handed to the agent as the tool's answer. Found by the chaos soak: a voice-agent-builder run approved to
/// publish ended "Publishing failed: 57P01: terminating connection due to administrator command" while
/// PostgreSQL restarted, because a server shutting down was taken for the tool's own error.
/// </summary>
public sealed class TransientFailuresTests
{
    [Theory]
    [InlineData("57P01")] // admin shutdown: the server is stopping
    [InlineData("57P03")] // cannot connect now: the server is starting
    [InlineData("08006")] // connection failure
    [InlineData("53300")] // too many connections
    public void A_database_that_is_restarting_or_refusing_connections_is_a_transient_step_failure(string sqlState)
    {
        var failure = new PostgresException("the server is going away", "FATAL", "FATAL", sqlState);

        Assert.True(TransientFailures.IsTransient(failure));
        Assert.True(TransientFailures.IsTransient(new InvalidOperationException("wrapped", failure)));
    }

    [Fact]
    public void A_connection_the_database_refused_is_a_transient_step_failure() =>
        Assert.True(TransientFailures.IsTransient(new NpgsqlException("Failed to connect to 127.0.0.1:5432", new SocketException((int)SocketError.ConnectionRefused))));

    [Theory]
    [InlineData("23505")] // unique violation: the tool's own business
    [InlineData("42P01")] // undefined table: a bug, not an outage
    public void A_database_error_in_what_the_tool_asked_is_not_transient(string sqlState) =>
        Assert.False(TransientFailures.IsTransient(new PostgresException("no", "ERROR", "ERROR", sqlState)));
}
