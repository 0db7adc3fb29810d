using System.Net;
using System.Text;

namespace OrleansAgents.Web.Tests;

public sealed class EventStreamTests(FrontEndFixture fixture)
{
    private static string NewId() => $"ev-{Guid.NewGuid():N}";

    private static async Task StartAsync(HttpClient http, string id, int steps, int stepMs)
    {
        using var response = await http.PostAsync("/api/runs", new StringContent(
            $$$"""{"agent":"bench","runId":"{{{id}}}","input":{"steps":{{{steps}}},"stepMs":{{{stepMs}}},"bytes":100}}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task Sse_DisconnectMidRunAndReconnectWithLastEventId_DeliversEveryEventOnceInOrder()
    {
        using var http = fixture.Client("dev-user-1");
        var id = NewId();
        await StartAsync(http, id, steps: 15, stepMs: 100);

        var first = await EventClients.ReadSseAsync(http, $"/api/runs/{id}/events/stream", take: 6);
        var rest = await EventClients.ReadSseAsync(http, $"/api/runs/{id}/events/stream", lastEventId: first[^1].Seq.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(6, first.Count);
        EventClients.AssertCompleteSequence([.. first, .. rest]);
        Assert.Equal(1 + (15 * 2) + 1, first.Count + rest.Count);
    }

    [Fact]
    public async Task WebSocket_DisconnectMidRunAndReconnectWithAfter_DeliversEveryEventOnceInOrder()
    {
        using var http = fixture.Client("dev-user-1");
        var id = NewId();
        await StartAsync(http, id, steps: 15, stepMs: 100);

        var (first, _) = await EventClients.ReadWebSocketAsync(fixture.BaseAddress, $"/api/runs/{id}/ws", key: "dev-user-1", take: 5);
        var (second, _) = await EventClients.ReadWebSocketAsync(fixture.BaseAddress, $"/api/runs/{id}/ws?after={first[^1].Seq}", key: "dev-user-1", take: 7);
        var (rest, closed) = await EventClients.ReadWebSocketAsync(fixture.BaseAddress, $"/api/runs/{id}/ws?after={second[^1].Seq}", key: "dev-user-1");

        Assert.True(closed);
        EventClients.AssertCompleteSequence([.. first, .. second, .. rest]);
    }

    [Fact]
    public async Task A_WebSocket_client_that_sends_messages_is_ignored_and_its_close_still_ends_the_stream_while_the_run_goes_on()
    {
        using var http = fixture.Client("dev-user-1");
        var id = NewId();
        await StartAsync(http, id, steps: 40, stepMs: 500);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var socket = new System.Net.WebSockets.ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer dev-user-1");
        await socket.ConnectAsync(new Uri(new UriBuilder(fixture.BaseAddress) { Scheme = "ws" }.Uri, $"/api/runs/{id}/ws"), cts.Token);

        // The server waits for the client's close with a zero-byte read: messages it never asked for are read and dropped.
        var events = new List<ReceivedEvent> { EventClients.Parse((await EventClients.ReceiveTextAsync(socket, cts.Token))!) };
        await socket.SendAsync(Encoding.UTF8.GetBytes(new string('x', 5000)), System.Net.WebSockets.WebSocketMessageType.Text, true, cts.Token);
        await socket.SendAsync(new byte[3], System.Net.WebSockets.WebSocketMessageType.Binary, true, cts.Token);
        await socket.SendAsync(Array.Empty<byte>(), System.Net.WebSockets.WebSocketMessageType.Text, true, cts.Token);
        events.Add(EventClients.Parse((await EventClients.ReceiveTextAsync(socket, cts.Token))!));
        events.Add(EventClients.Parse((await EventClients.ReceiveTextAsync(socket, cts.Token))!));
        EventClients.AssertCompleteSequence([.. events, new ReceivedEvent(events.Count + 1, "run.succeeded", "{}")]);

        // The client closes mid-run: the server stops sending at once, not when the run ends (about 20 s from now).
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await socket.CloseOutputAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, cts.Token);
        try
        {
            while (await EventClients.ReceiveTextAsync(socket, cts.Token) is { } text)
            {
                Assert.DoesNotContain("run.succeeded", text, StringComparison.Ordinal);
            }
        }
        catch (System.Net.WebSockets.WebSocketException)
        {
            // The server ended the connection without its half of the close handshake: that ends the stream too.
        }

        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(8));
    }

    [Fact]
    public async Task ReconnectAfterTheRunFinished_ReplaysEverythingThenCloses()
    {
        using var http = fixture.Client("dev-user-1");
        var id = NewId();
        await StartAsync(http, id, steps: 4, stepMs: 0);
        await EventClients.ReadSseAsync(http, $"/api/runs/{id}/events/stream"); // returns once the run has ended

        var sse = await EventClients.ReadSseAsync(http, $"/api/runs/{id}/events/stream?after=0", timeout: TimeSpan.FromSeconds(20));
        var sseTail = await EventClients.ReadSseAsync(http, $"/api/runs/{id}/events/stream?after=5", timeout: TimeSpan.FromSeconds(20));
        var (ws, closed) = await EventClients.ReadWebSocketAsync(fixture.BaseAddress, $"/api/runs/{id}/ws", key: "dev-user-1", timeout: TimeSpan.FromSeconds(20));

        // A client that already has the terminal event (seq 10) gets an empty stream that ends at once.
        var beyond = await EventClients.ReadSseAsync(http, $"/api/runs/{id}/events/stream?after=10", timeout: TimeSpan.FromSeconds(10));

        EventClients.AssertCompleteSequence(sse);
        EventClients.AssertCompleteSequence(sseTail, after: 5);
        Assert.Empty(beyond);
        Assert.True(closed);
        Assert.Equal(sse.Select(e => e.Json), ws.Select(e => e.Json));
    }

    [Fact]
    public async Task AnEventStreamRequestForAnUnknownRun_IsAnsweredWithProblemDetails_EvenWhenOnlyEventStreamsAreAccepted()
    {
        using var http = fixture.Client("dev-user-1");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/runs/{NewId()}/events/stream");
        request.Headers.Accept.ParseAdd("text/event-stream");

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Run not found", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Following_a_run_from_the_front_end_keeps_no_stream_state_and_housekeeping_removes_what_stream_watchers_left()
    {
        using var http = fixture.Client("dev-user-1");
        var id = NewId();
        await StartAsync(http, id, steps: 4, stepMs: 400);
        await EventClients.ReadSseAsync(http, $"/api/runs/{id}/events/stream", take: 2);
        var whileRunning = await CountStreamStateRowsAsync(id); // the front end observes runs: no stream, no PubSub row
        await LeaveStreamStateAsync(id); // as a typed client's stream subscription does
        await EventClients.ReadSseAsync(http, $"/api/runs/{id}/events/stream?after=2"); // to the end

        var rows = await CountStreamStateRowsAsync(id);
        for (var i = 0; i < 100 && rows != 0; i++)
        {
            await Task.Delay(200);
            rows = await CountStreamStateRowsAsync(id);
        }

        Assert.Equal(0, whileRunning);
        Assert.Equal(0, rows);
    }

    [Fact]
    public async Task A_followed_run_sends_its_events_to_the_front_end_live_not_only_through_the_record()
    {
        using var http = fixture.Client("dev-user-1");
        var before = await LiveDeliveriesAsync(http);
        var arrivedBefore = await CommitsArrivedAsync(http);
        var id = NewId();
        await StartAsync(http, id, steps: 12, stepMs: 300);

        var events = await EventClients.ReadSseAsync(http, $"/api/runs/{id}/events/stream");
        var after = await LiveDeliveriesAsync(http);
        var arrived = await CommitsArrivedAsync(http) - arrivedBefore;

        // Events read from the journal are not counted as live; a broken live path leaves only those.
        Assert.Equal("run.succeeded", events[^1].Type);
        Assert.True(after - before >= 12, $"{after - before} of {events.Count} events came live");
        // The arrival histogram (commit to this front end, before any fan-out) counts each commit sent here: a step a commit.
        Assert.True(arrived >= 6, $"{arrived} commits arrived live for {after - before} live events");
    }

    /// <summary>Events handed to followers from the live feed so far (the front end's event-lag histogram count).</summary>
    private static Task<long> LiveDeliveriesAsync(HttpClient http) => HistogramCountAsync(http, "orleans_agents_events_lag_milliseconds_count");

    /// <summary>Commits that reached this front end live so far (its event-arrival histogram count).</summary>
    private static Task<long> CommitsArrivedAsync(HttpClient http) => HistogramCountAsync(http, "orleans_agents_events_arrival_milliseconds_count");

    private static async Task<long> HistogramCountAsync(HttpClient http, string name)
    {
        var metrics = await http.GetStringAsync("/metrics");
        return metrics.Split('\n')
            .Where(line => line.StartsWith(name, StringComparison.Ordinal))
            .Sum(line => long.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }

    private async Task LeaveStreamStateAsync(string id)
    {
        await using var command = fixture.Cluster.DataSource.CreateCommand(
            """
            INSERT INTO orleansstorage (grainidhash, grainidn0, grainidn1, graintypehash, graintypestring, grainidextensionstring, serviceid, modifiedon, version)
            VALUES (1, 0, 0, 1, 'PubSubRendezvousGrain', $1, 'test', now(), 1)
            """);
        command.Parameters.AddWithValue($"run-events/run/{id}");
        await command.ExecuteNonQueryAsync();
    }

    private async Task<long> CountStreamStateRowsAsync(string id)
    {
        await using var command = fixture.Cluster.DataSource.CreateCommand(
            "SELECT count(*) FROM orleansstorage WHERE graintypestring = 'PubSubRendezvousGrain' AND grainidextensionstring = $1");
        command.Parameters.AddWithValue($"run-events/run/{id}");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task TwoHundredConcurrentClientsOnTwentyRuns_AllReceiveCompleteOrderedSequences()
    {
        using var http = fixture.Client("dev-user-1");
        var ids = Enumerable.Range(0, 20).Select(_ => NewId()).ToList();
        foreach (var id in ids)
        {
            await StartAsync(http, id, steps: 10, stepMs: 100);
        }

        // Half over WebSocket, half over SSE; some join late (after events already went by).
        var clients = Enumerable.Range(0, 200).Select(async i =>
        {
            var id = ids[i % ids.Count];
            await Task.Delay(i % 7 * 50);
            if (i % 2 == 0)
            {
                var (events, closed) = await EventClients.ReadWebSocketAsync(fixture.BaseAddress, $"/api/runs/{id}/ws", key: "dev-user-1", timeout: TimeSpan.FromSeconds(90));
                Assert.True(closed);
                return events;
            }

            using var client = fixture.Client("dev-user-1");
            return await EventClients.ReadSseAsync(client, $"/api/runs/{id}/events/stream", timeout: TimeSpan.FromSeconds(90));
        }).ToList();

        var results = await Task.WhenAll(clients);

        Assert.All(results, events =>
        {
            EventClients.AssertCompleteSequence(events);
            Assert.Equal(1 + (10 * 2) + 1, events.Count);
        });
    }
}
