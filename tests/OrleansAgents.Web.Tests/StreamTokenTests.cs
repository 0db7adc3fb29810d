using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace OrleansAgents.Web.Tests;

/// <summary>Run-scoped stream tokens: what a browser puts in a stream's URL instead of its API key.</summary>
public sealed class StreamTokenTests(FrontEndFixture fixture)
{
    private static async Task<string> StartAsync(HttpClient http, int steps = 3)
    {
        var id = $"token-{Guid.NewGuid():N}";
        using var started = await http.PostAsync("/api/runs", new StringContent(
            $$$"""{"agent":"bench","runId":"{{{id}}}","input":{"steps":{{{steps}}},"stepMs":10}}""", Encoding.UTF8, "application/json"));
        started.EnsureSuccessStatusCode();
        return id;
    }

    private static async Task<string> TokenAsync(HttpClient http, string runId)
    {
        using var answer = await http.PostAsync($"/api/runs/{runId}/stream-token", null);
        answer.EnsureSuccessStatusCode();
        Assert.Equal("no-store", answer.Headers.CacheControl?.ToString());
        var body = await answer.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(runId, body.GetProperty("runId").GetString());
        return body.GetProperty("token").GetString()!;
    }

    [Fact]
    public async Task A_stream_token_opens_its_runs_stream_only_cannot_start_or_cancel_anything_and_expires()
    {
        using var http = fixture.Client("dev-user-1");
        var a = await StartAsync(http);
        var b = await StartAsync(http);
        var token = Uri.EscapeDataString(await TokenAsync(http, a));
        using var anonymous = fixture.Client(null);

        // Its run's stream, over SSE and WebSocket, with no key at all.
        var events = await EventClients.ReadSseAsync(anonymous, $"/api/runs/{a}/events/stream?access_token={token}");
        EventClients.AssertCompleteSequence(events);
        var (socketEvents, closed) = await EventClients.ReadWebSocketAsync(fixture.BaseAddress, $"/api/runs/{a}/ws?access_token={token}");
        Assert.True(closed);
        EventClients.AssertCompleteSequence(socketEvents);

        // Another run of the same owner: not found. Anything else: not authenticated.
        using var other = await anonymous.GetAsync($"/api/runs/{b}/events/stream?access_token={token}");
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        using var start = await anonymous.PostAsync($"/api/runs?access_token={token}", new StringContent("""{"agent":"bench","input":{"steps":1}}""", Encoding.UTF8, "application/json"));
        using var cancel = await anonymous.PostAsync($"/api/runs/{a}/cancel?access_token={token}", null);
        using var read = await anonymous.GetAsync($"/api/runs/{a}?access_token={token}");
        using var asKey = fixture.Client(Uri.UnescapeDataString(token));
        using var bearer = await asKey.GetAsync($"/api/runs/{a}/events/stream");
        using var another = await anonymous.PostAsync($"/api/runs/{a}/stream-token?access_token={token}", null);
        Assert.Equal(HttpStatusCode.Unauthorized, start.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, cancel.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, read.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, bearer.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, another.StatusCode);

        // Another owner's key cannot get a token for the run.
        using var stranger = fixture.Client("dev-user-2");
        using var theirs = await stranger.PostAsync($"/api/runs/{a}/stream-token", null);
        Assert.Equal(HttpStatusCode.NotFound, theirs.StatusCode);

        // Expired: refused, saying so.
        await Task.Delay(FrontEndFixture.StreamTokenLifetime + TimeSpan.FromSeconds(1));
        using var expired = await anonymous.GetAsync($"/api/runs/{a}/events/stream?access_token={token}");
        Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
        Assert.Contains("expired", await expired.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_API_key_in_a_streams_URL_is_refused_with_a_problem_that_says_why()
    {
        using var http = fixture.Client("dev-user-1");
        var id = await StartAsync(http, steps: 1);
        using var anonymous = fixture.Client(null);

        using var sse = await anonymous.GetAsync($"/api/runs/{id}/events/stream?access_token=dev-user-1");
        var socket = await Record.ExceptionAsync(() => EventClients.ReadWebSocketAsync(fixture.BaseAddress, $"/api/runs/{id}/ws?access_token=dev-user-1"));

        Assert.Equal(HttpStatusCode.Unauthorized, sse.StatusCode);
        Assert.Equal("application/problem+json", sse.Content.Headers.ContentType?.MediaType);
        Assert.Contains("API keys are not accepted in URLs", await sse.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("401", socket?.Message ?? "", StringComparison.Ordinal);
    }
}
