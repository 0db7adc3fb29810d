using System.Net;
using System.Text;
using System.Text.Json;

namespace OrleansAgents.Web.Tests;

/// <summary>What an agent run looks like to a web client: streamed model text and the approval it waits for.</summary>
public sealed class AgentEventsTests(FrontEndFixture fixture)
{
    [Fact]
    public async Task A_voice_agent_builders_stream_carries_its_streamed_text_as_numbered_drafts_and_the_run_shows_what_it_waits_for()
    {
        using var http = fixture.Client("dev-user-1");
        var id = $"agent-{Guid.NewGuid():N}";
        using (var start = await http.PostAsync("/api/runs", new StringContent(
            $$$"""{"agent":"voice-agent-builder","runId":"{{{id}}}","input":{"request":"A receptionist for the clinic.","documents":["clinic-faq.md","escalation-contacts.md"]}}""",
            Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        }

        // Raw SSE until the run asks for approval.
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/runs/{id}/events/stream");
        request.Headers.Accept.ParseAdd("text/event-stream");
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        var received = new List<(string? Id, JsonElement Event)>();
        await foreach (var item in System.Net.ServerSentEvents.SseParser.Create(await response.Content.ReadAsStreamAsync(cts.Token)).EnumerateAsync(cts.Token))
        {
            using var doc = JsonDocument.Parse(item.Data);
            received.Add((item.EventId, doc.RootElement.Clone()));
            if (doc.RootElement.GetProperty("type").GetString() == "input.requested")
            {
                break;
            }
        }

        // Every event is committed and numbered, streamed text included, and carries its seq as the SSE id.
        Assert.Equal(Enumerable.Range(1, received.Count).Select(i => (long)i), received.Select(r => r.Event.GetProperty("seq").GetInt64()));
        Assert.All(received, r => Assert.Equal(r.Event.GetProperty("seq").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture), r.Id));

        // Each model step's drafts, read from the start, are the beginning of its committed text, in order.
        var texts = received.Where(r => r.Event.GetProperty("type").GetString() == "step.completed")
            .Select(r => r.Event.GetProperty("data"))
            .Where(d => d.GetProperty("name").GetString() == "model")
            .ToDictionary(d => d.GetProperty("step").GetInt32(), d => d.GetProperty("result").GetProperty("text").GetString()!);
        var pieces = received.Where(r => r.Event.GetProperty("type").GetString() == "step.delta")
            .GroupBy(r => r.Event.GetProperty("data").GetProperty("step").GetInt32())
            .ToDictionary(g => g.Key, g => string.Concat(g.Select(r => r.Event.GetProperty("data").GetProperty("text").GetString())));
        Assert.NotEmpty(pieces);
        Assert.All(pieces.Where(p => texts.ContainsKey(p.Key)), p => Assert.StartsWith(p.Value, texts[p.Key], StringComparison.Ordinal));

        using var run = JsonDocument.Parse(await http.GetStringAsync($"/api/runs/{id}"));
        Assert.Equal("waitingForInput", run.RootElement.GetProperty("status").GetString());
        var waitingFor = run.RootElement.GetProperty("waitingFor");
        Assert.Equal("approval", waitingFor.GetProperty("kind").GetString());
        Assert.Equal("publish_configuration", waitingFor.GetProperty("tool").GetString());
        Assert.True(run.RootElement.GetProperty("usage").GetProperty("totalTokens").GetInt64() > 0);

        using var reject = await http.PostAsync($"/api/runs/{id}/input", new StringContent("""{"kind":"reject","reason":"not today"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, reject.StatusCode);
    }
}
