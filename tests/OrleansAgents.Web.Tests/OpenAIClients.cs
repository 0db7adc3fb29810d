using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using OpenAI.Responses;

namespace OrleansAgents.Web.Tests;

/// <summary>The official OpenAI .NET SDK pointed at a front end's <c>/v1</c>, and what tests read back through the runs API.</summary>
internal static class OpenAIClients
{
    public const string Agent = "voice-agent-builder";

    /// <summary>A request the offline model answers with streamed text, tool calls and an approval before publishing.</summary>
    public const string ClinicRequest = """{"request":"A receptionist for the clinic.","documents":["clinic-faq.md","escalation-contacts.md"]}""";

    /// <summary>The SDK's Responses client; its own retries off, so a test sees each answer as it is.</summary>
    public static ResponsesClient ResponsesFor(Uri frontEnd, string key) =>
        new(new ApiKeyCredential(key), new ResponsesClientOptions { Endpoint = new Uri(frontEnd, "/v1"), RetryPolicy = new ClientRetryPolicy(0), NetworkTimeout = TimeSpan.FromMinutes(2) });

    public static string RunIdOf(string responseId) => responseId["resp_".Length..].Split('~')[0];

    /// <summary>Every update of a stream until it ends, or until <paramref name="stopAfter"/> says stop (the connection is dropped then).</summary>
    public static async Task<List<StreamingResponseUpdate>> ReadAsync(IAsyncEnumerable<StreamingResponseUpdate> stream, Func<StreamingResponseUpdate, bool>? stopAfter = null)
    {
        var updates = new List<StreamingResponseUpdate>();
        await foreach (var update in stream)
        {
            updates.Add(update);
            if (stopAfter?.Invoke(update) == true)
            {
                break;
            }
        }

        return updates;
    }

    /// <summary>An update as something to compare: its number, its type and what it carries.</summary>
    public static string Describe(StreamingResponseUpdate u) => u switch
    {
        StreamingResponseOutputTextDeltaUpdate d => $"{d.SequenceNumber} {d.Kind} {d.ItemId}@{d.OutputIndex}: {d.Delta}",
        StreamingResponseOutputItemAddedUpdate a => $"{a.SequenceNumber} {a.Kind} {a.Item.Id}@{a.OutputIndex}",
        StreamingResponseOutputItemDoneUpdate d => $"{d.SequenceNumber} {d.Kind} {d.Item.Id}@{d.OutputIndex} {Status(d.Item)}",
        _ => $"{u.SequenceNumber} {u.Kind}",
    };

    public static string? Status(ResponseItem item) => item switch
    {
        MessageResponseItem m => m.Status?.ToString(),
        _ => null,
    };

    /// <summary>The text of the completed messages a stream carried, in order.</summary>
    public static string CompletedText(IEnumerable<StreamingResponseUpdate> updates) => string.Concat(
        updates.OfType<StreamingResponseOutputItemDoneUpdate>().Select(u => u.Item).OfType<MessageResponseItem>()
            .Where(m => m.Status == MessageStatus.Completed).Select(m => string.Concat(m.Content.Select(c => c.Text))));

    /// <summary>Each message's deltas joined, by item: what a client assembling the stream shows.</summary>
    public static Dictionary<string, string> AssembledText(IEnumerable<StreamingResponseUpdate> updates) =>
        updates.OfType<StreamingResponseOutputTextDeltaUpdate>().GroupBy(d => d.ItemId).ToDictionary(g => g.Key, g => string.Concat(g.Select(d => d.Delta)));

    /// <summary>The run's committed model texts in order (the record), read through the runs API.</summary>
    public static async Task<List<string>> CommittedModelTextsAsync(HttpClient http, string runId)
    {
        var events = await http.GetFromJsonAsync<JsonElement>($"/api/runs/{runId}/events?limit=1000");
        var texts = new List<string>();
        foreach (var e in events.EnumerateArray())
        {
            var data = e.GetProperty("data");
            if (e.GetProperty("type").GetString() == "step.completed" && data.GetProperty("name").GetString() == "model")
            {
                var text = data.GetProperty("result").GetProperty("text").GetString();
                if (!string.IsNullOrEmpty(text))
                {
                    texts.Add(text);
                }
            }
        }

        return texts;
    }

    public static async Task<List<JsonElement>> EventsAsync(HttpClient http, string runId) =>
        [.. (await http.GetFromJsonAsync<JsonElement>($"/api/runs/{runId}/events?limit=1000")).EnumerateArray()];

    /// <summary>Polls a response until it is no longer queued or in progress (90 s at most).</summary>
    public static async Task<ResponseResult> PollAsync(ResponsesClient client, string id)
    {
        for (var i = 0; i < 900; i++)
        {
            var response = (await client.GetResponseAsync(id)).Value;
            if (response.Status is not (ResponseStatus.Queued or ResponseStatus.InProgress))
            {
                return response;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"response {id} did not end");
    }

    /// <summary>The raw SSE events of a stream (type and JSON), for comparing replays byte for byte.</summary>
    public static async Task<List<(string Type, string Data)>> RawStreamAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        var events = new List<(string, string)>();
        await foreach (var item in System.Net.ServerSentEvents.SseParser.Create(await response.Content.ReadAsStreamAsync()).EnumerateAsync())
        {
            events.Add((item.EventType, item.Data));
        }

        return events;
    }

    public static StringContent JsonBody(string json) => new(json, Encoding.UTF8, "application/json");
}
