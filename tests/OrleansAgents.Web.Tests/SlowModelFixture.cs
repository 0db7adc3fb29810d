using OrleansAgents.Testing;

namespace OrleansAgents.Web.Tests;

/// <summary>
/// A cluster of its own (PostgreSQL, two workers, a front end) whose offline model takes 5 s a call, so a test can
/// act while a model call streams (cancel it, or kill the worker running it) even when the first streamed text
/// reaches it late (a loaded machine: the live path can lag by up to the follower's 2 s journal check). Its workers
/// note in <see cref="CancellationLog"/> when a model call's cancellation token fired.
/// </summary>
public sealed class SlowModelFixture : IAsyncLifetime
{
    private AgentsCluster? _cluster;

    public AgentsCluster Cluster => _cluster ?? throw new InvalidOperationException("Not started.");

    /// <summary>One line per cancelled model call, from every worker: "time pid call" (<c>OrleansAgents:Model:OfflineCancellationLog</c>).</summary>
    public string CancellationLog { get; } = Path.Combine(Path.GetTempPath(), $"oa-model-cancellations-{Guid.NewGuid():N}.log");

    /// <summary>When each model call noted in <see cref="CancellationLog"/> so far saw its token fire.</summary>
    public IReadOnlyList<DateTimeOffset> CancelledCalls() => File.Exists(CancellationLog)
        ? [.. File.ReadAllLines(CancellationLog).Where(l => l.Length > 0)
            .Select(l => DateTimeOffset.Parse(l.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.RoundtripKind))]
        : [];

    public async ValueTask InitializeAsync() =>
        _cluster = await AgentsCluster.StartOnOwnServerAsync(workers: 2, frontEnd: true, settings: new Dictionary<string, string>
        {
            ["OrleansAgents__Model__OfflineLatency"] = "00:00:05",
            ["OrleansAgents__Model__OfflineCancellationLog"] = CancellationLog,
        });

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }

        File.Delete(CancellationLog);
    }
}
