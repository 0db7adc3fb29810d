using System.Net;
using System.Net.WebSockets;
using System.Text;
using OrleansAgents.Testing;

namespace OrleansAgents.Web.Tests;

/// <summary>Clients watching runs while a worker or the front end itself dies; each test gets its own cluster.</summary>
public sealed class FailureStreamTests(ITestOutputHelper output) : IAsyncLifetime
{
    private PostgresServer? _server;
    private AgentsCluster? _cluster;

    private AgentsCluster Cluster => _cluster!;

    public async ValueTask InitializeAsync()
    {
        _server = await PostgresServer.StartAsync();
        _cluster = await AgentsCluster.StartAsync(_server, workers: 2, frontEnd: true);
    }

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [Fact]
    public async Task WorkerKilledWhileClientsWatch_EveryClientGetsEveryEventOnce()
    {
        var ids = await StartRunsAsync(10, steps: 20, stepMs: 100);
        var watching = ids.SelectMany(id => new[] { id, id }).Select(id => FollowAsync(id)).ToList();
        await Task.Delay(1000);

        var victim = Cluster.Silos[0];
        victim.Kill();
        var sinceKill = System.Diagnostics.Stopwatch.StartNew();
        output.WriteLine($"killed {victim.Name}");
        var results = await Task.WhenAll(watching);
        output.WriteLine($"every client had its run's end {sinceKill.Elapsed.TotalSeconds:0.0} s after the kill");

        AssertEveryClientSawTheWholeRun(results, steps: 20);
        // The moved runs forget this front end; its check of quiet runs (FrontEnd:IdleJournalCheck, 2 s) finds their
        // new events in the journal and wakes the followers, long before a follower's own 60 s of silence would.
        Assert.True(sinceKill.Elapsed < TimeSpan.FromSeconds(40), $"followers waited {sinceKill.Elapsed.TotalSeconds:0} s");
    }

    [Fact]
    public async Task FrontEndKilledAndRestartedWhileClientsWatch_TheyReconnectAndMissNothing()
    {
        var ids = await StartRunsAsync(5, steps: 30, stepMs: 100);
        var watching = ids.SelectMany(id => new[] { id, id }).Select(id => FollowAsync(id)).ToList();
        await Task.Delay(1000);

        Cluster.FrontEnd!.Kill();
        Cluster.FrontEnd.Start();
        var results = await Task.WhenAll(watching);

        AssertEveryClientSawTheWholeRun(results, steps: 30);
    }

    /// <summary>
    /// Each client saw 1..N once and in order, every step committed once, and both clients of a run saw the
    /// same history (a run.resumed event may appear when a run's activation moved).
    /// </summary>
    private static void AssertEveryClientSawTheWholeRun(List<ReceivedEvent>[] results, int steps)
    {
        Assert.All(results, r =>
        {
            EventClients.AssertCompleteSequence(r);
            Assert.Equal(steps, r.Count(e => e.Type == "step.completed"));
        });
        for (var i = 0; i < results.Length; i += 2)
        {
            Assert.Equal(results[i].Select(e => e.Json), results[i + 1].Select(e => e.Json));
        }
    }

    private async Task<List<string>> StartRunsAsync(int count, int steps, int stepMs)
    {
        using var http = new HttpClient { BaseAddress = Cluster.FrontEndAddress };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "dev-user-1");
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var id = $"fail-{Guid.NewGuid():N}";
            using var response = await http.PostAsync("/api/runs", new StringContent(
                $$$"""{"agent":"bench","runId":"{{{id}}}","input":{"steps":{{{steps}}},"stepMs":{{{stepMs}}}}}""", Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            ids.Add(id);
        }

        return ids;
    }

    /// <summary>A client that reconnects with ?after= its last event whenever the connection drops, until the run ends.</summary>
    private async Task<List<ReceivedEvent>> FollowAsync(string id)
    {
        var received = new List<ReceivedEvent>();
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (DateTime.UtcNow < deadline)
        {
            var after = received.Count == 0 ? 0 : received[^1].Seq;
            try
            {
                using var socket = new ClientWebSocket();
                socket.Options.SetRequestHeader("Authorization", "Bearer dev-user-1");
                var uri = new UriBuilder(Cluster.FrontEndAddress!) { Scheme = "ws", Path = $"/api/runs/{id}/ws", Query = $"after={after}" }.Uri;
                await socket.ConnectAsync(uri, CancellationToken.None);
                while (await EventClients.ReceiveTextAsync(socket, CancellationToken.None) is { } text)
                {
                    received.Add(EventClients.Parse(text));
                }

                return received;
            }
            catch (Exception ex) when (ex is WebSocketException or HttpRequestException or IOException)
            {
                await Task.Delay(250); // the front end is restarting
            }
        }

        throw new TimeoutException($"run {id}: gave up after {received.Count} events");
    }
}
