using OrleansAgents.Testing;

[assembly: AssemblyFixture(typeof(OrleansAgents.Web.Tests.FrontEndFixture))]

namespace OrleansAgents.Web.Tests;

/// <summary>
/// PostgreSQL, two worker silos and a front-end silo, as real processes, shared by the assembly. Limits
/// are set low enough for the tests to reach them.
/// </summary>
public sealed class FrontEndFixture : IAsyncLifetime
{
    public const string AllowedOrigin = "http://allowed.example";
    public const int MaxInputBytes = 4096;
    public const int RunsPerMinute = 100;
    public static readonly TimeSpan StreamTokenLifetime = TimeSpan.FromSeconds(4);

    /// <summary>Short, so every stream the tests read (every SDK's included) carries keep-alive comments.</summary>
    public static readonly TimeSpan SseKeepAlive = TimeSpan.FromSeconds(1);

    private AgentsCluster? _cluster;

    public AgentsCluster Cluster => _cluster ?? throw new InvalidOperationException("Not started.");

    public Uri BaseAddress => Cluster.FrontEndAddress!;

    public async ValueTask InitializeAsync()
    {
        _cluster = await AgentsCluster.StartOnOwnServerAsync(workers: 2, frontEnd: true, settings: new Dictionary<string, string>
        {
            ["FrontEnd__MaxInputBytes"] = MaxInputBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["FrontEnd__RunsPerOwnerPerMinute"] = RunsPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["FrontEnd__AllowedOrigins__0"] = AllowedOrigin,
            ["FrontEnd__MaxStreamsPerOwner"] = "1000",
            ["FrontEnd__HousekeepingPeriod"] = "00:00:01",
            ["FrontEnd__StreamStateGrace"] = "00:00:00",
            ["FrontEnd__StreamTokenLifetime"] = StreamTokenLifetime.ToString(),
            ["FrontEnd__SseKeepAlive"] = SseKeepAlive.ToString(),
        });
    }

    public HttpClient Client(string? key)
    {
        var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (key is not null)
        {
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        }

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
