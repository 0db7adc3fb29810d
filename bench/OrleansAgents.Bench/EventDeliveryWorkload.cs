using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace OrleansAgents.Bench;

/// <summary>
/// E1: WebSocket subscribers through the front end (the path web clients use); latency from an event's
/// commit timestamp to its arrival at each client, for events committed after the client had caught up.
/// </summary>
internal static class EventDeliveryWorkload
{
    private const int Steps = 50;
    private const int StepMs = 200;

    public static async Task<WorkloadResult> RunAsync(BenchSettings settings, int subscribers, int runs)
    {
        using var http = new HttpClient { BaseAddress = settings.FrontEnd };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", settings.ApiKey);
        var ids = new List<string>();
        for (var i = 0; i < runs; i++)
        {
            var id = $"e1-{i}-{Guid.NewGuid():N}";
            using var response = await http.PostAsync(new Uri("/api/runs", UriKind.Relative), new StringContent(
                $$$"""{"agent":"bench","runId":"{{{id}}}","input":{"steps":{{{Steps}}},"stepMs":{{{StepMs}}},"bytes":200}}""", Encoding.UTF8, "application/json"));
            response.EnsureSuccessStatusCode();
            ids.Add(id);
        }

        // Measure only once every client is connected and caught up, so the figure is live delivery.
        var ready = new TaskCompletionSource<DateTimeOffset>(TaskCreationOptions.RunContinuationsAsynchronously);
        var connected = 0;
        var clients = Enumerable.Range(0, subscribers).Select(i => SubscribeAsync(settings, ids[i % ids.Count], () =>
        {
            if (Interlocked.Increment(ref connected) == subscribers)
            {
                ready.TrySetResult(DateTimeOffset.UtcNow.AddMilliseconds(500));
            }
        }, ready.Task)).ToList();
        var results = await Task.WhenAll(clients);
        var latencies = results.SelectMany(r => r.Latencies).Order().ToList();
        var result = new WorkloadResult("E1");
        result.Figures["subscribers"] = subscribers;
        result.Figures["workflows"] = runs;
        result.Figures["events_measured"] = latencies.Count;
        result.Figures["p50_ms"] = Percentile(latencies, 0.50);
        result.Figures["p99_ms"] = Percentile(latencies, 0.99);
        result.Figures["max_ms"] = latencies.Count > 0 ? latencies[^1] : double.NaN;
        result.Figures["incomplete_clients"] = results.Count(r => !r.Complete);
        result.Figures["path"] = "http-websocket";
        return result;
    }

    private static async Task<(List<double> Latencies, bool Complete)> SubscribeAsync(
        BenchSettings settings, string runId, Action onConnected, Task<DateTimeOffset> measureFrom)
    {
        var latencies = new List<double>();
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", $"Bearer {settings.ApiKey}");
        var uri = new UriBuilder(settings.FrontEnd) { Scheme = "ws", Path = $"/api/runs/{runId}/ws" }.Uri;
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await socket.ConnectAsync(uri, cts.Token);
        onConnected();
        var buffer = new byte[16 * 1024];
        long expected = 1;
        var complete = true;
        while (true)
        {
            using var message = new MemoryStream();
            WebSocketReceiveResult received;
            do
            {
                received = await socket.ReceiveAsync(buffer, cts.Token);
                message.Write(buffer, 0, received.Count);
            }
            while (!received.EndOfMessage);

            var now = DateTimeOffset.UtcNow;
            if (received.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cts.Token);
                return (latencies, complete);
            }

            using var doc = JsonDocument.Parse(message.ToArray());
            var seq = doc.RootElement.GetProperty("seq").GetInt64();
            complete &= seq == expected++;
            var at = doc.RootElement.GetProperty("at").GetDateTimeOffset();
            if (measureFrom.IsCompleted && at > measureFrom.Result)
            {
                latencies.Add((now - at).TotalMilliseconds);
            }
        }
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}
