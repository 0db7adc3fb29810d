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

        // Another run of the same owner: not found, over SSE and WebSocket. Anything else: not authenticated.
        using var other = await anonymous.GetAsync($"/api/runs/{b}/events/stream?access_token={token}");
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        var otherSocket = await Record.ExceptionAsync(() => EventClients.ReadWebSocketAsync(fixture.BaseAddress, $"/api/runs/{b}/ws?access_token={token}"));
        Assert.Contains("404", otherSocket?.Message ?? "", StringComparison.Ordinal);
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

    [Fact]
    public async Task An_access_token_in_the_URL_of_any_other_endpoint_is_refused_with_a_problem_that_says_why()
    {
        using var http = fixture.Client("dev-user-1");
        var id = await StartAsync(http, steps: 1);
        var token = Uri.EscapeDataString(await TokenAsync(http, id));
        using var anonymous = fixture.Client(null);

        using var keyInUrl = await anonymous.GetAsync($"/api/runs/{id}?access_token=dev-user-1");
        using var tokenElsewhere = await anonymous.PostAsync($"/api/runs/{id}/cancel?access_token={token}", null);
        using var nonsense = await anonymous.GetAsync("/api/runs?access_token=nonsense");
        using var keyInOpenAIUrl = await anonymous.GetAsync("/v1/models?access_token=dev-user-1");

        foreach (var (answer, says) in new[]
        {
            (keyInUrl, "API keys are not accepted in URLs"),
            (tokenElsewhere, "A stream token opens only its run's event stream"),
            (nonsense, "Only a run's event stream reads ?access_token="),
            (keyInOpenAIUrl, "API keys are not accepted in URLs"),
        })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, answer.StatusCode);
            Assert.Contains(says, await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal("application/problem+json", keyInUrl.Content.Headers.ContentType?.MediaType);
        Assert.Equal("application/json", keyInOpenAIUrl.Content.Headers.ContentType?.MediaType);
        Assert.Equal("succeeded", (await ApiRuns.WaitForEndAsync(http, id)).GetProperty("status").GetString()); // not cancelled
    }

    [Fact]
    public async Task A_stream_token_issued_by_one_front_end_opens_the_stream_on_another_front_end_of_the_cluster()
    {
        // A second front end as on another machine (its own HOME), as a load balancer in front of two replicas gives.
        var home = Directory.CreateTempSubdirectory("oa-frontend-home-").FullName;
        try
        {
            var (second, secondAddress) = await fixture.Cluster.StartAnotherFrontEndAsync($"frontend-b-{Guid.NewGuid():N}"[..19], home);
            await using (second)
            {
                using var first = fixture.Client("dev-user-1");
                using var other = new HttpClient { BaseAddress = secondAddress, Timeout = TimeSpan.FromSeconds(60) };
                other.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "dev-user-1");
                var a = await StartAsync(first);
                var b = await StartAsync(other);

                // Issued by the first, read from the second over SSE; issued by the second, read from the first over WebSocket.
                var fromFirst = Uri.EscapeDataString(await TokenAsync(first, a));
                var fromSecond = Uri.EscapeDataString(await TokenAsync(other, b));
                using var anonymous = new HttpClient { BaseAddress = secondAddress, Timeout = TimeSpan.FromSeconds(60) };
                var events = await EventClients.ReadSseAsync(anonymous, $"/api/runs/{a}/events/stream?access_token={fromFirst}");
                var (socketEvents, closed) = await EventClients.ReadWebSocketAsync(fixture.BaseAddress, $"/api/runs/{b}/ws?access_token={fromSecond}");

                EventClients.AssertCompleteSequence(events);
                Assert.True(closed);
                EventClients.AssertCompleteSequence(socketEvents);
            }
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }
}
