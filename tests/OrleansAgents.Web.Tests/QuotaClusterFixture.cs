using OrleansAgents.Testing;

namespace OrleansAgents.Web.Tests;

/// <summary>A cluster of its own (PostgreSQL, one worker, a front end) with run and stream quotas low enough for tests to reach.</summary>
public sealed class QuotaClusterFixture : IAsyncLifetime
{
    public const int MaxStepResultBytes = 16_384;
    public const int MaxJournalBytes = 81_920;
    public const int MaxSteps = 8;
    public const int MaxUnfinishedRunsPerOwner = 3;
    public const int MaxStreamsPerOwner = 2;

    private AgentsCluster? _cluster;

    public AgentsCluster Cluster => _cluster ?? throw new InvalidOperationException("Not started.");

    public async ValueTask InitializeAsync()
    {
        static string Text(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _cluster = await AgentsCluster.StartOnOwnServerAsync(workers: 1, frontEnd: true, settings: new Dictionary<string, string>
        {
            ["OrleansAgents__Runs__Quotas__MaxStepResultBytes"] = Text(MaxStepResultBytes),
            ["OrleansAgents__Runs__Quotas__MaxJournalBytes"] = Text(MaxJournalBytes),
            ["OrleansAgents__Runs__Quotas__MaxSteps"] = Text(MaxSteps),
            ["OrleansAgents__Runs__Quotas__MaxUnfinishedRunsPerOwner"] = Text(MaxUnfinishedRunsPerOwner),
            ["FrontEnd__MaxStreamsPerOwner"] = Text(MaxStreamsPerOwner),
        });
    }

    public HttpClient Client(string key)
    {
        var http = new HttpClient { BaseAddress = Cluster.FrontEndAddress, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        return http;
    }

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}
