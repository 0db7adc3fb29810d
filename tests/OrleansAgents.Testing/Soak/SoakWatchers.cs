using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Net.WebSockets;
using System.Text.Json;
using OrleansAgents.Client;
using OrleansAgents.Runs;

namespace OrleansAgents.Testing.Soak;

/// <summary>
/// Clients that follow a run's events as users' clients do: over SSE (reconnecting with Last-Event-ID), over
/// WebSocket (reconnecting with ?after=), or with the typed client (<see cref="IAgentRuns.WatchAsync"/> again
/// after the last seq). Each drops its connection at the script's moments and whenever a fault cuts it, and
/// records every committed seq it was given, in order.
/// </summary>
public sealed class SoakWatchers(SoakOptions options, SoakRecord record, IAgentRuns typed)
{
    private static readonly TimeSpan Reconnect = TimeSpan.FromMilliseconds(250);

    public async Task WatchAsync(SoakScript script, CancellationToken stop)
    {
        var seqs = new List<long>();
        var drops = new Queue<TimeSpan>(script.WatcherDrops);
        var reconnects = 0;
        string? error = null;
        var ended = false;
        while (!ended && !stop.IsCancellationRequested)
        {
            using var connection = CancellationTokenSource.CreateLinkedTokenSource(stop);
            if (drops.TryDequeue(out var drop))
            {
                connection.CancelAfter(drop);
            }

            try
            {
                var last = seqs.Count == 0 ? 0 : seqs[^1];
                ended = script.Watcher switch
                {
                    "sse" => await SseAsync(script, last, seqs, connection.Token),
                    "ws" => await WebSocketAsync(script, last, seqs, connection.Token),
                    _ => await TypedAsync(script, last, seqs, connection.Token),
                };
            }
            catch (OperationCanceledException) when (!stop.IsCancellationRequested)
            {
                // A scripted drop.
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or WebSocketException or JsonException or InvalidOperationException or TimeoutException
                                       || ex.GetType().Namespace?.StartsWith("Orleans", StringComparison.Ordinal) == true)
            {
                error = $"{ex.GetType().Name}: {ex.Message}"; // a fault cut it: reconnect after the last seq seen
            }

            if (!ended)
            {
                reconnects++;
                try
                {
                    await Task.Delay(Reconnect, stop);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }

        record.Watches.Enqueue(new SoakWatch(script.RunId, script.Watcher!, seqs, ended, reconnects, ended ? null : error));
    }

    /// <summary>Reads until the run's terminal event (true) or the connection ends (false).</summary>
    private async Task<bool> SseAsync(SoakScript script, long after, List<long> seqs, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = options.FrontEnd, Timeout = Timeout.InfiniteTimeSpan };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/runs/{script.RunId}/events/stream");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", script.ApiKey);
        if (after > 0)
        {
            request.Headers.Add("Last-Event-ID", after.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!Accepted((int)response.StatusCode, response.Headers.RetryAfter?.Delta is not null, $"SSE {script.RunId}"))
        {
            return false;
        }

        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        await foreach (var item in SseParser.Create(body).EnumerateAsync(cancellationToken))
        {
            if (Add(item.Data, seqs))
            {
                return true;
            }
        }

        return false;
    }

    private async Task<bool> WebSocketAsync(SoakScript script, long after, List<long> seqs, CancellationToken cancellationToken)
    {
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", $"Bearer {script.ApiKey}");
        socket.Options.CollectHttpResponseDetails = true;
        var uri = new UriBuilder(options.FrontEnd) { Scheme = "ws", Path = $"/api/runs/{script.RunId}/ws", Query = $"after={after}" }.Uri;
        try
        {
            await socket.ConnectAsync(uri, cancellationToken);
        }
        catch (WebSocketException) when (socket.HttpStatusCode != 0)
        {
            var retryAfter = socket.HttpResponseHeaders?.ContainsKey("Retry-After") == true;
            Accepted((int)socket.HttpStatusCode, retryAfter, $"WebSocket {script.RunId}");
            return false;
        }

        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var received = await socket.ReceiveAsync(buffer, cancellationToken);
            if (received.MessageType == WebSocketMessageType.Close)
            {
                return false; // the server closes after the terminal event, which Add has seen
            }

            message.Write(buffer, 0, received.Count);
            if (!received.EndOfMessage)
            {
                continue;
            }

            var text = System.Text.Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)message.Length);
            message.SetLength(0);
            if (Add(text, seqs))
            {
                return true;
            }
        }
    }

    private async Task<bool> TypedAsync(SoakScript script, long after, List<long> seqs, CancellationToken cancellationToken)
    {
        await foreach (var e in typed.WatchAsync(script.RunId, after, cancellationToken))
        {
            seqs.Add(e.Seq);
            if (RunEventTypes.IsTerminal(e.Type))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Records a committed event's seq; true at the run's terminal event.</summary>
    private static bool Add(string json, List<long> seqs)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (!root.TryGetProperty("seq", out var seq) || seq.ValueKind != JsonValueKind.Number)
        {
            return false; // live-only text
        }

        seqs.Add(seq.GetInt64());
        return RunEventTypes.IsTerminal(root.GetProperty("type").GetString() ?? "");
    }

    /// <summary>Whether a stream's answer is a stream; counts and judges it as any answer.</summary>
    private bool Accepted(int status, bool retryAfter, string what)
    {
        record.Answered(status);
        if (status == 503 && !retryAfter)
        {
            record.Violation("503 without Retry-After", what);
        }
        else if (status >= 500 && status != 503)
        {
            record.Violation("http 5xx", $"{status} for {what}");
        }
        else if (status is >= 400 and not 429 and not 503)
        {
            record.Violation("stream refused", $"{status} for {what}");
        }

        return status is 200 or 101;
    }
}
