using System.Buffers;
using System.Diagnostics.Tracing;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Runtime;
using System.Text;
using System.Text.Json;
using Microsoft.Diagnostics.NETCore.Client;

namespace OrleansAgents.Bench;

/// <summary>
/// E1 and E2: WebSocket watchers through the front end (the path web clients use); latency from an event's commit
/// timestamp to its arrival at each client, for events committed after every client had caught up; the front end's
/// memory per watcher, with every watcher caught up, less the same before the first connected: its RSS; its managed
/// heap after whatever collection ran last (which counts garbage that collection did not reach); and its managed heap
/// after a full blocking collection the bench induces (live objects only; local cluster only).
/// </summary>
internal static class EventDeliveryWorkload
{
    /// <summary>Connections opened at once: a front end accepts a few hundred at a time, not ten thousand.</summary>
    private const int ConnectConcurrency = 100;

    /// <summary>Starts <paramref name="runs"/> bench runs of <paramref name="steps"/> steps of <paramref name="stepMs"/> ms and follows them with <paramref name="subscribers"/> WebSockets, spread evenly.</summary>
    public static async Task<WorkloadResult> RunAsync(BenchSettings settings, string name, int subscribers, int runs, int steps, int stepMs)
    {
        using var http = new HttpClient { BaseAddress = settings.FrontEnd };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", settings.ApiKey);
        var ids = new List<string>();
        for (var i = 0; i < runs; i++)
        {
            var id = $"{name.ToLowerInvariant()}-{i}-{Guid.NewGuid():N}";
            using var response = await http.PostAsync(new Uri("/api/runs", UriKind.Relative), new StringContent(
                $$$"""{"agent":"bench","runId":"{{{id}}}","input":{"steps":{{{steps}}},"stepMs":{{{stepMs}}},"bytes":200}}""", Encoding.UTF8, "application/json"));
            response.EnsureSuccessStatusCode();
            ids.Add(id);
        }

        var rssBefore = FrontEndRssKb(settings);
        var heapBefore = await FrontEndHeapBytesAsync(http);
        var liveHeapBefore = await FrontEndLiveHeapBytesAsync(settings, http);
        // Measure only once every client has caught up (it received an event committed after it connected), so the
        // figure is live delivery, not the catch-up of thousands of connections; and only after the memory readings,
        // which induce a full blocking collection in the front end (tens of milliseconds of pause no client would
        // otherwise see): measured inside the window, that pause alone was E1's p99.
        var allCaughtUp = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var measureFrom = new TaskCompletionSource<DateTimeOffset>(TaskCreationOptions.RunContinuationsAsynchronously);
        var caughtUp = 0;
        using var gate = new SemaphoreSlim(ConnectConcurrency);
        var clients = Enumerable.Range(0, subscribers).Select(i => SubscribeAsync(settings, ids[i % ids.Count], gate, () =>
        {
            if (Interlocked.Increment(ref caughtUp) == subscribers)
            {
                allCaughtUp.TrySetResult();
            }
        }, measureFrom.Task)).ToList();
        var first = await Task.WhenAny(allCaughtUp.Task, Task.WhenAll(clients));
        var clientGcPaused = false;
        double? rssPerWatcherKb = null;
        double? heapPerWatcherKb = null;
        double? liveHeapPerWatcherKb = null;
        Dictionary<string, double>? stagesBefore = null;
        double? monitorBefore = null;
        if (first == allCaughtUp.Task)
        {
            await Task.Delay(TimeSpan.FromSeconds(2)); // buffers settled
            rssPerWatcherKb = rssBefore is { } before ? (FrontEndRssKb(settings)!.Value - before) / (double)subscribers : null;
            heapPerWatcherKb = (await FrontEndHeapBytesAsync(http) - heapBefore) / 1024.0 / subscribers;
            liveHeapPerWatcherKb = liveHeapBefore is { } liveBefore && await FrontEndLiveHeapBytesAsync(settings, http) is { } liveAfter
                ? (liveAfter - liveBefore) / 1024.0 / subscribers
                : null;
            clientGcPaused = !StartClientNoGcRegion();
            monitorBefore = KernelMonitor.CpuMs();
            measureFrom.TrySetResult(DateTimeOffset.UtcNow.AddMilliseconds(500));
            stagesBefore = await FrontEndStagesAsync(http);
        }

        var results = await Task.WhenAll(clients);
        var monitorAfter = KernelMonitor.CpuMs();
        var stagesAfter = stagesBefore is null ? null : await FrontEndStagesAsync(http);
        if (GCSettings.LatencyMode == GCLatencyMode.NoGCRegion)
        {
            GC.EndNoGCRegion();
        }
        else
        {
            clientGcPaused = true; // the window's allocations outgrew the region, and the bench's client collected in it
        }

        var samples = results.SelectMany(r => r.Latencies).ToList();
        if (Environment.GetEnvironmentVariable("OA_BENCH_LATENCY_CSV") is { Length: > 0 } csv)
        {
            // Every measured event (commit time as Unix seconds, latency in ms), to set beside other timelines.
            await File.WriteAllLinesAsync(csv, results.SelectMany((r, i) => r.Latencies.Select(l => (l.At, l.Ms, Run: ids[i % ids.Count])))
                .OrderBy(l => l.At).Select(l =>
                string.Create(CultureInfo.InvariantCulture, $"{l.At.ToUnixTimeMilliseconds() / 1000.0:0.000},{l.Ms:0.0},{l.Run}")));
        }

        var latencies = samples.Select(l => l.Ms).Order().ToList();
        var result = new WorkloadResult(name);
        result.Figures["subscribers"] = subscribers;
        result.Figures["workflows"] = runs;
        result.Figures["events_measured"] = latencies.Count;
        result.Figures["p50_ms"] = Percentile(latencies, 0.50);
        result.Figures["p99_ms"] = Percentile(latencies, 0.99);
        result.Figures["max_ms"] = latencies.Count > 0 ? latencies[^1] : double.NaN;
        result.Figures["incomplete_clients"] = results.Count(r => !r.Complete);
        result.Figures["client_collected_while_measuring"] = clientGcPaused;
        // The clients share the cluster's cores: whether their socket completions ran on the epoll thread or hopped to
        // the thread pool first (one more wake-up per frame, counted in every latency; bench/README.md, 2026-12-04 evening).
        result.Figures["client_inline_socket_completions"] =
            Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") == "1";
        result.Figures["path"] = "http-websocket";
        if (samples.Count > 0)
        {
            // p99 by 10 s of commit time from the start of measuring: a backlog from the connection storm shows early.
            var start = samples.Min(l => l.At);
            result.Figures["p99_ms_by_10s"] = string.Join(" ", samples.GroupBy(l => (int)((l.At - start).TotalSeconds / 10)).OrderBy(g => g.Key)
                .Select(g => Percentile([.. g.Select(l => l.Ms).Order()], 0.99).ToString("0", CultureInfo.InvariantCulture)));
            // The same by second: where in the run the tail sits (the runs' end, a periodic task, the start).
            result.Figures["p99_ms_by_s"] = string.Join(" ", samples.GroupBy(l => (int)(l.At - start).TotalSeconds).OrderBy(g => g.Key)
                .Select(g => Percentile([.. g.Select(l => l.Ms).Order()], 0.99).ToString("0", CultureInfo.InvariantCulture)));
        }

        if (stagesBefore is not null && stagesAfter is not null)
        {
            // Where late events lost their time, from the front end's histograms over the measured window: before it
            // (commit and the hop from the worker: the run's message arrived late) or in its fan-out (handed off late).
            double Share(string stage, string le) => stagesAfter[$"{stage}|+Inf"] - stagesBefore[$"{stage}|+Inf"] is > 0 and var n
                ? 100 * (1 - (stagesAfter[$"{stage}|{le}"] - stagesBefore[$"{stage}|{le}"]) / n)
                : double.NaN;
            result.Figures["frontend_arrivals_over_25ms_pct"] = Share("arrival", "25");
            result.Figures["frontend_handoffs_over_25ms_pct"] = Share("lag", "25");
            result.Figures["client_events_over_25ms_pct"] = latencies.Count > 0 ? 100.0 * latencies.Count(l => l > 25) / latencies.Count : double.NaN;
        }

        if (monitorBefore is { } monitorFrom && monitorAfter is { } monitorTo && monitorTo >= monitorFrom)
        {
            // The machine's memory monitor competing for the cores while E1/E2 measured (see KernelMonitor); a monitor
            // restarted in the window (a new thread, its count from zero) gives no figure.
            result.Figures["machine_kdamond_cpu_ms"] = monitorTo - monitorFrom;
        }

        if (rssPerWatcherKb is { } perWatcher)
        {
            result.Figures["frontend_rss_before_mib"] = rssBefore!.Value / 1024.0;
            result.Figures["frontend_rss_kib_per_watcher"] = perWatcher;
        }

        if (heapPerWatcherKb is { } heapPerWatcher)
        {
            result.Figures["frontend_heap_kib_per_watcher"] = heapPerWatcher;
        }

        if (liveHeapPerWatcherKb is { } liveHeapPerWatcher)
        {
            result.Figures["frontend_heap_after_full_gc_kib_per_watcher"] = liveHeapPerWatcher;
        }

        return result;
    }

    /// <summary>
    /// Keeps the bench's own client from collecting while it measures: its collections pause every client at once
    /// (17-27 ms gen0/gen1 pauses with 1,000 sockets), and every event in flight then reads late, which is the bench's
    /// time, not the front end's. Returns false when the runtime refuses the region.
    /// </summary>
    private static bool StartClientNoGcRegion()
    {
        foreach (var size in (long[])[200L << 20, 64L << 20])
        {
            try
            {
                if (GC.TryStartNoGCRegion(size))
                {
                    return true;
                }
            }
            catch (ArgumentOutOfRangeException)
            {
                // Larger than this runtime's region allows: try the smaller size.
            }
        }

        return false;
    }

    private static async Task<(List<(DateTimeOffset At, double Ms)> Latencies, bool Complete)> SubscribeAsync(
        BenchSettings settings, string runId, SemaphoreSlim gate, Action onCaughtUp, Task<DateTimeOffset> measureFrom)
    {
        var latencies = new List<(DateTimeOffset At, double Ms)>(1024); // sized up front: no growth while measuring
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", $"Bearer {settings.ApiKey}");
        var uri = new UriBuilder(settings.FrontEnd) { Scheme = "ws", Path = $"/api/runs/{runId}/ws" }.Uri;
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await gate.WaitAsync(cts.Token);
        try
        {
            await socket.ConnectAsync(uri, cts.Token);
        }
        finally
        {
            gate.Release();
        }

        var connectedAt = DateTimeOffset.UtcNow;
        var live = false;
        // The client allocates nothing per event: its own garbage collections would be in the figure (a JsonDocument
        // and a MemoryStream per event cost the bench a gen0 collection every 2 s at E1's rate).
        var buffer = new byte[4 * 1024];
        var longMessage = new ArrayBufferWriter<byte>();
        long expected = 1;
        var complete = true;
        while (true)
        {
            var received = await socket.ReceiveAsync(buffer.AsMemory(), cts.Token);
            ReadOnlyMemory<byte> body = buffer.AsMemory(0, received.Count);
            if (!received.EndOfMessage)
            {
                longMessage.ResetWrittenCount();
                longMessage.Write(body.Span);
                do
                {
                    received = await socket.ReceiveAsync(buffer.AsMemory(), cts.Token);
                    longMessage.Write(buffer.AsSpan(0, received.Count));
                }
                while (!received.EndOfMessage);
                body = longMessage.WrittenMemory;
            }

            var now = DateTimeOffset.UtcNow;
            if (received.MessageType == WebSocketMessageType.Close)
            {
                // Off the receive path: with inline socket completions this code runs on the thread that reads every
                // client's socket, and 1,000 close handshakes as the runs end held the other clients' events (a real
                // client closes on its own machine, not in front of the others).
                await Task.Yield();
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cts.Token);
                return (latencies, complete);
            }

            var (seq, at) = SeqAndCommitTime(body.Span);
            complete &= seq == expected++;
            if (!live && at > connectedAt)
            {
                live = true;
                onCaughtUp();
            }

            if (measureFrom.IsCompleted && at > measureFrom.Result)
            {
                latencies.Add((at, (now - at).TotalMilliseconds));
            }
        }
    }

    /// <summary>An event's <c>seq</c> and <c>at</c> (its commit timestamp), read without building a document.</summary>
    private static (long Seq, DateTimeOffset At) SeqAndCommitTime(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        long? seq = null;
        DateTimeOffset? at = null;
        reader.Read();
        while ((seq is null || at is null) && reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.ValueTextEquals("seq"u8) ? 1 : reader.ValueTextEquals("at"u8) ? 2 : 0;
            reader.Read();
            if (name == 1)
            {
                seq = reader.GetInt64();
            }
            else if (name == 2)
            {
                at = reader.GetDateTimeOffset();
            }
            else
            {
                reader.Skip();
            }
        }

        return (seq ?? throw new InvalidDataException("An event without 'seq'."), at ?? throw new InvalidDataException("An event without 'at'."));
    }

    /// <summary>The front end's managed heap after its last collection, less fragmentation (from its /metrics).</summary>
    private static async Task<double> FrontEndHeapBytesAsync(HttpClient http)
    {
        var metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        double Sum(string name) => metrics.Split('\n').Where(l => l.StartsWith(name + "{", StringComparison.Ordinal))
            .Sum(SampleValue);
        return Sum("dotnet_gc_last_collection_heap_size_bytes") - Sum("dotnet_gc_last_collection_heap_fragmentation_size_bytes");
    }

    /// <summary>
    /// The front end's managed heap after a full blocking collection, less fragmentation: live objects only. The
    /// collection is induced as dotnet-gcdump induces it, by an EventPipe session with the runtime provider's
    /// GCHeapCollect keyword (no heap walk: without the GCHeapDump keyword the runtime only collects). Null when the
    /// front end is not a local process or the collection did not show in its metrics.
    /// </summary>
    private static async Task<double?> FrontEndLiveHeapBytesAsync(BenchSettings settings, HttpClient http)
    {
        if (FrontEndPid(settings) is not { } pid)
        {
            return null;
        }

        var gen2Before = await FrontEndGen2CollectionsAsync(http);
        const long GCHeapCollectKeyword = 0x800000;
        var client = new DiagnosticsClient(pid);
        using (var session = await client.StartEventPipeSessionAsync(
            [new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Informational, GCHeapCollectKeyword)],
            requestRundown: false, circularBufferMB: 16, CancellationToken.None))
        {
            var drain = session.EventStream.CopyToAsync(Stream.Null);
            await Task.Delay(TimeSpan.FromSeconds(2));
            await session.StopAsync(CancellationToken.None);
            await drain;
        }

        await Task.Delay(TimeSpan.FromSeconds(1)); // past the exporter's scrape cache
        return await FrontEndGen2CollectionsAsync(http) > gen2Before ? await FrontEndHeapBytesAsync(http) : null;
    }

    /// <summary>
    /// The front end's arrival and hand-off histograms (<c>orleans_agents_events_arrival_milliseconds</c>,
    /// <c>orleans_agents_events_lag_milliseconds</c>): cumulative counts keyed "arrival|25", "lag|+Inf" and so on.
    /// </summary>
    private static async Task<Dictionary<string, double>> FrontEndStagesAsync(HttpClient http)
    {
        await Task.Delay(TimeSpan.FromSeconds(0.5)); // past the exporter's scrape cache
        var metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        var counts = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var stage in (string[])["arrival", "lag"])
        {
            var prefix = $"orleans_agents_events_{stage}_milliseconds_bucket{{";
            foreach (var line in metrics.Split('\n').Where(l => l.StartsWith(prefix, StringComparison.Ordinal)))
            {
                var le = line.IndexOf("le=\"", StringComparison.Ordinal) + 4;
                var key = $"{stage}|{line[le..line.IndexOf('"', le)]}";
                counts[key] = counts.GetValueOrDefault(key) + SampleValue(line);
            }

            foreach (var le in (string[])["25", "+Inf"])
            {
                counts.TryAdd($"{stage}|{le}", 0);
            }
        }

        return counts;
    }

    /// <summary>The value of one Prometheus sample line (<c>name{labels} value</c>).</summary>
    private static double SampleValue(string line) => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);

    /// <summary>How many gen2 collections the front end has run (from its /metrics).</summary>
    private static async Task<double> FrontEndGen2CollectionsAsync(HttpClient http)
    {
        var metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        return metrics.Split('\n').Where(l => l.StartsWith("dotnet_gc_collections_total{", StringComparison.Ordinal) && l.Contains("gen2", StringComparison.Ordinal))
            .Sum(SampleValue);
    }

    /// <summary>The front end's resident memory, from the local cluster's pid file (null when it runs elsewhere).</summary>
    private static long? FrontEndRssKb(BenchSettings settings)
    {
        if (FrontEndPid(settings) is not { } pid)
        {
            return null;
        }

        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }

    /// <summary>The front end's process ID, from the local cluster's pid file (null when it runs elsewhere).</summary>
    private static int? FrontEndPid(BenchSettings settings)
    {
        var pidFile = Path.Combine(settings.DataDirectory, "pids", "frontend.pid");
        return File.Exists(pidFile) ? int.Parse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture) : null;
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}
