using System.Net;
using System.Text;
using System.Text.Json;
using OrleansAgents.Testing;

namespace OrleansAgents.Web.Tests;

/// <summary>The front end while no worker is up (every worker restarting in a deploy): 503, never 500, then success.</summary>
public sealed class NoWorkerTests : IAsyncLifetime
{
    private AgentsCluster? _cluster;

    private AgentsCluster Cluster => _cluster!;

    public async ValueTask InitializeAsync() => _cluster = await AgentsCluster.StartOnOwnServerAsync(workers: 1, frontEnd: true);

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task ACallWhileNoWorkerIsUp_Is503WithRetryAfter_AndTheSameCallSucceedsOnceAWorkerIsBack()
    {
        using var http = new HttpClient { BaseAddress = Cluster.FrontEndAddress, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "dev-user-1");
        var id = $"nw-{Guid.NewGuid():N}";
        HttpRequestMessage Start() => new(HttpMethod.Post, "/api/runs")
        {
            Content = new StringContent($$$"""{"agent":"bench","runId":"{{{id}}}","input":{"steps":2,"stepMs":10}}""", Encoding.UTF8, "application/json"),
        };

        var worker = Cluster.Silos[0];
        await worker.StopAsync(TimeSpan.FromSeconds(30));
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? unavailable = null;
        for (var i = 0; i < 60 && unavailable is null; i++)
        {
            var response = await http.SendAsync(Start());
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                unavailable = response;
            }
            else
            {
                response.Dispose();
                await Task.Delay(500);
            }
        }

        Assert.NotNull(unavailable);
        Assert.DoesNotContain(statuses, s => (int)s >= 500 && s != HttpStatusCode.ServiceUnavailable);
        Assert.True(unavailable.Headers.RetryAfter?.Delta > TimeSpan.Zero, "503 carries Retry-After");
        Assert.Equal("application/problem+json", unavailable.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await unavailable.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(503, problem.GetProperty("status").GetInt32());
        Assert.Equal("No worker available", problem.GetProperty("title").GetString());
        using (var agents = await http.GetAsync("/api/agents"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, agents.StatusCode);
        }

        worker.Start();
        var accepted = HttpStatusCode.ServiceUnavailable;
        for (var i = 0; i < 120 && accepted != HttpStatusCode.Accepted; i++)
        {
            using var response = await http.SendAsync(Start());
            accepted = response.StatusCode;
            Assert.True(accepted is HttpStatusCode.Accepted or HttpStatusCode.ServiceUnavailable, $"{accepted}: {await response.Content.ReadAsStringAsync()}");
            if (accepted != HttpStatusCode.Accepted)
            {
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(2, response.Headers.RetryAfter?.Delta?.TotalSeconds ?? 1)));
            }
        }

        Assert.Equal(HttpStatusCode.Accepted, accepted);
        for (var i = 0; i < 300; i++)
        {
            var run = JsonDocument.Parse(await http.GetStringAsync($"/api/runs/{id}")).RootElement;
            if (run.GetProperty("status").GetString() == "succeeded")
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"Run {id} did not succeed after the worker came back.");
    }

    /// <summary>
    /// Found by the chaos soak: while PostgreSQL was down, a start (the new run's activation reads its header)
    /// and an events read answered 500 ("Could not find a codec for type Npgsql.NpgsqlException" for the
    /// worker's failure; the front end's own query failing as is).
    /// </summary>
    [Fact]
    public async Task While_PostgreSQL_is_down_a_start_and_a_read_answer_503_with_Retry_After_and_succeed_once_it_is_back()
    {
        using var http = new HttpClient { BaseAddress = Cluster.FrontEndAddress, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "dev-user-1");
        var before = $"pg-{Guid.NewGuid():N}";
        var during = $"pg-{Guid.NewGuid():N}";
        HttpRequestMessage Start(string id) => new(HttpMethod.Post, "/api/runs")
        {
            Content = new StringContent($$$"""{"agent":"bench","runId":"{{{id}}}","input":{"steps":2,"stepMs":10}}""", Encoding.UTF8, "application/json"),
        };

        using (var started = await http.SendAsync(Start(before)))
        {
            Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        }

        await Cluster.Server.StopAsync();
        var answers = new List<(string Call, HttpStatusCode Status, string Body)>();
        try
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(25) && answers.Count(a => a.Status == HttpStatusCode.ServiceUnavailable) < 2)
            {
                using var start = await http.SendAsync(Start(during));
                answers.Add(("start", start.StatusCode, await start.Content.ReadAsStringAsync()));
                Assert.True(start.StatusCode != HttpStatusCode.ServiceUnavailable || start.Headers.RetryAfter?.Delta > TimeSpan.Zero, "503 carries Retry-After");
                using var events = await http.GetAsync($"/api/runs/{before}/events");
                answers.Add(("events", events.StatusCode, await events.Content.ReadAsStringAsync()));
                Assert.True(events.StatusCode != HttpStatusCode.ServiceUnavailable || events.Headers.RetryAfter?.Delta > TimeSpan.Zero, "503 carries Retry-After");
                await Task.Delay(TimeSpan.FromSeconds(1));
            }
        }
        finally
        {
            await Cluster.Server.RestartAsync();
        }

        var described = string.Join(Environment.NewLine, answers.Select(a => $"{a.Call}: {(int)a.Status} {a.Body[..Math.Min(200, a.Body.Length)]}"));
        Assert.False(answers.Any(a => (int)a.Status >= 500 && a.Status != HttpStatusCode.ServiceUnavailable), described);
        Assert.True(answers.Any(a => a.Call == "start" && a.Status == HttpStatusCode.ServiceUnavailable), described);
        Assert.True(answers.Any(a => a.Call == "events" && a.Status == HttpStatusCode.ServiceUnavailable), described);
        var problem = JsonDocument.Parse(answers.First(a => a.Status == HttpStatusCode.ServiceUnavailable).Body).RootElement;
        Assert.Equal("Run store unavailable", problem.GetProperty("title").GetString());

        // The same start, sent again as the client's retry, is the same run, and it runs.
        var accepted = HttpStatusCode.ServiceUnavailable;
        for (var i = 0; i < 60 && accepted != HttpStatusCode.Accepted; i++)
        {
            using var response = await http.SendAsync(Start(during));
            accepted = response.StatusCode;
            Assert.True(accepted is HttpStatusCode.Accepted or HttpStatusCode.ServiceUnavailable, $"{accepted}: {await response.Content.ReadAsStringAsync()}");
            if (accepted != HttpStatusCode.Accepted)
            {
                await Task.Delay(TimeSpan.FromSeconds(1));
            }
        }

        Assert.Equal(HttpStatusCode.Accepted, accepted);
        foreach (var id in new[] { before, during })
        {
            var status = "";
            for (var i = 0; i < 600 && status != "succeeded"; i++)
            {
                using var response = await http.GetAsync($"/api/runs/{id}");
                status = response.IsSuccessStatusCode ? JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString()! : "";
                await Task.Delay(100);
            }

            Assert.Equal("succeeded", status);
        }
    }

    [Fact]
    public async Task While_PostgreSQL_is_down_a_v1_response_start_answers_503_in_the_OpenAI_error_shape_and_the_same_request_is_one_response_once_it_is_back()
    {
        using var http = new HttpClient { BaseAddress = Cluster.FrontEndAddress, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "dev-user-1");
        var key = $"v1-pg-{Guid.NewGuid():N}";
        HttpRequestMessage Create()
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/v1/responses")
            {
                Content = new StringContent("""{"model":"bench","input":"{\"steps\":2,\"stepMs\":10}","background":true}""", Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("Idempotency-Key", key);
            return request;
        }

        using (var warm = await http.GetAsync("/v1/models"))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode); // the model list is known before the outage
        }

        await Cluster.Server.StopAsync();
        var answers = new List<(HttpStatusCode Status, string Body, TimeSpan? RetryAfter, string? Type)>();
        try
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(25) && !answers.Any(a => a.Status == HttpStatusCode.ServiceUnavailable))
            {
                using var response = await http.SendAsync(Create());
                answers.Add((response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers.RetryAfter?.Delta,
                    response.Content.Headers.ContentType?.MediaType));
                await Task.Delay(TimeSpan.FromSeconds(1));
            }
        }
        finally
        {
            await Cluster.Server.RestartAsync();
        }

        var described = string.Join(Environment.NewLine, answers.Select(a => $"{(int)a.Status} {a.Body[..Math.Min(300, a.Body.Length)]}"));
        Assert.False(answers.Any(a => (int)a.Status >= 500 && a.Status != HttpStatusCode.ServiceUnavailable), described);
        var unavailable = answers.First(a => a.Status == HttpStatusCode.ServiceUnavailable);
        Assert.True(unavailable.RetryAfter > TimeSpan.Zero, "503 carries Retry-After");
        Assert.Equal("application/json", unavailable.Type);
        var error = JsonDocument.Parse(unavailable.Body).RootElement.GetProperty("error");
        Assert.Equal("server_error", error.GetProperty("type").GetString());
        Assert.Contains("nothing was lost", error.GetProperty("message").GetString(), StringComparison.Ordinal);

        // The SDK's retry (the same request and key) once PostgreSQL is back: one response, and it completes.
        string? id = null;
        for (var i = 0; i < 60 && id is null; i++)
        {
            using var response = await http.SendAsync(Create());
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"{response.StatusCode}: {body}");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                id = JsonDocument.Parse(body).RootElement.GetProperty("id").GetString();
            }
            else
            {
                await Task.Delay(TimeSpan.FromSeconds(1));
            }
        }

        Assert.NotNull(id);
        using (var again = await http.SendAsync(Create()))
        {
            Assert.Equal(id, JsonDocument.Parse(await again.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString());
        }

        var status = "";
        for (var i = 0; i < 300 && status != "completed"; i++)
        {
            status = JsonDocument.Parse(await http.GetStringAsync($"/v1/responses/{id}")).RootElement.GetProperty("status").GetString()!;
            await Task.Delay(100);
        }

        Assert.Equal("completed", status);
    }
}
