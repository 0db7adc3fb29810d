using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OrleansAgents.Bench;

/// <summary>
/// R1: resume latency of the Responses API (<c>/v1</c>). Background responses of <c>voice-agent-builder</c> run
/// (offline model, streaming text); clients read a few events of one, drop the connection, wait, and reconnect
/// with <c>starting_after</c> the last number seen. Measured: from sending the reconnect to receiving its first
/// event, over <c>--runs</c> reconnects (100); that includes waiting for the run's next event when none came
/// while the client was away. Also measured at each reconnect: a replay from the start (what the SDKs' stream
/// helpers request), whose first event always exists: the server's own part.
/// </summary>
internal static class ResponsesResumeWorkload
{
    private const int Concurrent = 10;
    private const string Input = """{"request":"A receptionist for the clinic.","documents":["clinic-faq.md","escalation-contacts.md"]}""";

    public static async Task<WorkloadResult> RunAsync(BenchSettings settings, int reconnects)
    {
        using var http = new HttpClient { BaseAddress = settings.FrontEnd, Timeout = TimeSpan.FromMinutes(2) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", settings.ApiKey);
        var latencies = new List<double>();
        var replays = new List<double>();
        var events = 0;
        var responses = 0;
        var remaining = reconnects;
        var gate = new object();

        async Task ClientAsync(int seed)
        {
            var random = new Random(seed);
            while (true)
            {
                var id = await StartAsync(http);
                Interlocked.Increment(ref responses);
                var last = -1L;
                var ended = false;
                while (!ended)
                {
                    lock (gate)
                    {
                        if (remaining == 0)
                        {
                            return;
                        }

                        if (last >= 0)
                        {
                            remaining--;
                        }
                    }

                    var measured = last >= 0;
                    if (measured)
                    {
                        var replay = await FirstEventMsAsync(http, $"/v1/responses/{id}?stream=true");
                        lock (latencies)
                        {
                            replays.Add(replay);
                        }
                    }

                    var started = Stopwatch.GetTimestamp();
                    using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/responses/{id}?stream=true&starting_after={last}");
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    response.EnsureSuccessStatusCode();
                    var take = random.Next(1, 6);
                    await foreach (var item in SseParser.Create(await response.Content.ReadAsStreamAsync()).EnumerateAsync())
                    {
                        if (measured)
                        {
                            lock (latencies)
                            {
                                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                            }

                            measured = false;
                        }

                        using var doc = JsonDocument.Parse(item.Data);
                        last = doc.RootElement.GetProperty("sequence_number").GetInt64();
                        Interlocked.Increment(ref events);
                        ended = item.EventType is "response.completed" or "response.failed" or "response.cancelled";
                        if (ended || --take == 0)
                        {
                            break; // drop the connection mid-stream
                        }
                    }

                    await Task.Delay(random.Next(100, 400)); // events go on while the client is away
                }
            }
        }

        var wall = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Concurrent).Select(i => Task.Run(() => ClientAsync(i))));
        latencies.Sort();
        replays.Sort();
        var result = new WorkloadResult("R1");
        result.Figures["reconnects"] = latencies.Count;
        result.Figures["responses"] = responses;
        result.Figures["events_read"] = events;
        result.Figures["p50_ms"] = Percentile(latencies, 0.50);
        result.Figures["p99_ms"] = Percentile(latencies, 0.99);
        result.Figures["max_ms"] = latencies.Count > 0 ? latencies[^1] : double.NaN;
        result.Figures["replay_p50_ms"] = Percentile(replays, 0.50);
        result.Figures["replay_p99_ms"] = Percentile(replays, 0.99);
        result.Figures["wall_s"] = wall.Elapsed.TotalSeconds;
        return result;
    }

    private static async Task<double> FirstEventMsAsync(HttpClient http, string path)
    {
        var started = Stopwatch.GetTimestamp();
        using var response = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        await foreach (var _ in SseParser.Create(await response.Content.ReadAsStreamAsync()).EnumerateAsync())
        {
            break;
        }

        return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }

    private static async Task<string> StartAsync(HttpClient http)
    {
        var body = new JsonObject { ["model"] = "voice-agent-builder", ["input"] = Input, ["background"] = true }.ToJsonString();
        using var response = await http.PostAsync("/v1/responses", new StringContent(body, Encoding.UTF8, "application/json"));
        response.EnsureSuccessStatusCode();
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return doc.RootElement.GetProperty("id").GetString()!;
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
}
