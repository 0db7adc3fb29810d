using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace OrleansAgents.Web.Tests;

/// <summary>One received event, as the API sends it.</summary>
public sealed record ReceivedEvent(long Seq, string Type, string Json);

/// <summary>Real SSE and WebSocket clients over loopback.</summary>
public static class EventClients
{
    /// <summary>Reads an SSE stream; stops after <paramref name="take"/> events or when the server ends it.</summary>
    public static async Task<List<ReceivedEvent>> ReadSseAsync(HttpClient http, string path, string? lastEventId = null, int take = int.MaxValue, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        response.EnsureSuccessStatusCode();
        await using var stream = await response.Content.ReadAsStreamAsync(cts.Token);
        var events = new List<ReceivedEvent>();
        await foreach (var item in System.Net.ServerSentEvents.SseParser.Create(stream).EnumerateAsync(cts.Token))
        {
            var e = Parse(item.Data);
            Assert.Equal(item.EventId, e.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture));
            events.Add(e);
            if (events.Count == take)
            {
                break;
            }
        }

        return events;
    }

    /// <summary>Reads a WebSocket; stops after <paramref name="take"/> events (closing from the client) or when the server closes.</summary>
    public static async Task<(List<ReceivedEvent> Events, bool ServerClosed)> ReadWebSocketAsync(
        Uri baseAddress, string pathAndQuery, int take = int.MaxValue, TimeSpan? timeout = null, string? origin = null, string? key = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        using var socket = new ClientWebSocket();
        if (key is not null)
        {
            socket.Options.SetRequestHeader("Authorization", $"Bearer {key}");
        }

        if (origin is not null)
        {
            socket.Options.SetRequestHeader("Origin", origin);
        }

        var uri = new UriBuilder(baseAddress) { Scheme = "ws" }.Uri;
        await socket.ConnectAsync(new Uri(uri, pathAndQuery), cts.Token);
        var events = new List<ReceivedEvent>();
        while (events.Count < take)
        {
            if (await ReceiveTextAsync(socket, cts.Token) is not { } text)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cts.Token);
                return (events, true);
            }

            events.Add(Parse(text));
        }

        socket.Abort(); // a dropped connection, as when a network goes away
        return (events, false);
    }

    /// <summary>One whole text message, or null when the server closed the socket.</summary>
    public static async Task<string?> ReceiveTextAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer, cancellationToken);
            message.Write(buffer, 0, result.Count);
        }
        while (!result.EndOfMessage);

        return result.MessageType == WebSocketMessageType.Close ? null : Encoding.UTF8.GetString(message.ToArray());
    }

    public static ReceivedEvent Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        return new ReceivedEvent(root.GetProperty("seq").GetInt64(), root.GetProperty("type").GetString()!, json);
    }

    /// <summary>The promise of the resume rule: seq 1..N once each, in order, ending with a terminal event.</summary>
    public static void AssertCompleteSequence(IReadOnlyList<ReceivedEvent> events, long after = 0)
    {
        Assert.NotEmpty(events);
        for (var i = 0; i < events.Count; i++)
        {
            Assert.Equal(after + i + 1, events[i].Seq);
        }

        Assert.Contains(events[^1].Type, new[] { "run.succeeded", "run.failed", "run.cancelled" });
    }
}
