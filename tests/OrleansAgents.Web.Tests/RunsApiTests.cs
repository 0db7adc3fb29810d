using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace OrleansAgents.Web.Tests;

public sealed class RunsApiTests(FrontEndFixture fixture)
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static string NewId() => $"api-{Guid.NewGuid():N}";

    private static async Task<JsonElement> StartAsync(HttpClient http, string id, int steps = 3, int stepMs = 10)
    {
        using var response = await http.PostAsync("/api/runs", Json($$$"""{"agent":"bench","runId":"{{{id}}}","input":{"steps":{{{steps}}},"stepMs":{{{stepMs}}}}}"""));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal($"/api/runs/{id}", response.Headers.Location?.ToString());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Fact]
    public async Task PostRun_ThenGet_ShowsTheRunThroughToSuccess()
    {
        using var http = fixture.Client("dev-user-1");
        var id = NewId();

        var accepted = await StartAsync(http, id);
        var done = await ApiRuns.WaitForEndAsync(http, id);

        Assert.Equal("running", accepted.GetProperty("status").GetString());
        Assert.Equal("user-1", done.GetProperty("owner").GetString());
        Assert.Equal("bench", done.GetProperty("agent").GetString());
        Assert.Equal(3, done.GetProperty("result").GetProperty("steps").GetInt32());
        Assert.Equal(8, done.GetProperty("lastSeq").GetInt64());
    }

    [Fact]
    public async Task The_hundred_thousand_step_one_mebibyte_bench_run_is_refused_by_the_default_quotas_with_a_problem_naming_them()
    {
        using var http = fixture.Client("dev-user-1");
        var id = NewId();

        using var response = await http.PostAsync("/api/runs", Json($$$"""{"agent":"bench","runId":"{{{id}}}","input":{"steps":100000,"stepMs":0,"bytes":1048576}}"""));
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        using var after = await http.GetAsync($"/api/runs/{id}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("10000 steps (OrleansAgents:Runs:Quotas:MaxSteps)", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, after.StatusCode);
    }

    [Fact]
    public async Task PostRun_SameIdempotencyKeyTwice_ReturnsTheSameRun()
    {
        using var http = fixture.Client("dev-user-1");
        var key = Guid.NewGuid().ToString();
        async Task<JsonElement> Post()
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/runs") { Content = Json("""{"agent":"bench","input":{"steps":1}}""") };
            request.Headers.Add("Idempotency-Key", key);
            using var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            return await response.Content.ReadFromJsonAsync<JsonElement>();
        }

        var first = await Post();
        var second = await Post();

        Assert.Equal(first.GetProperty("runId").GetString(), second.GetProperty("runId").GetString());
        Assert.Equal(first.GetProperty("createdAt").GetString(), second.GetProperty("createdAt").GetString());
    }

    [Fact]
    public async Task PostRun_SameRunIdWithADifferentRequest_Is409()
    {
        using var http = fixture.Client("dev-user-1");
        var id = NewId();
        await StartAsync(http, id, steps: 1);

        using var response = await http.PostAsync("/api/runs", Json($$$"""{"agent":"bench","runId":"{{{id}}}","input":{"steps":2}}"""));

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task ListRuns_PagesNewestFirstAndShowsOnlyTheCallersRuns()
    {
        using var user2 = fixture.Client("dev-user-2");
        using var user1 = fixture.Client("dev-user-1");
        var agent = "bench";
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var id = NewId();
            ids.Add(id);
            await StartAsync(user2, id, steps: 1, stepMs: 0);
        }

        await StartAsync(user1, NewId(), steps: 1, stepMs: 0);

        var first = await user2.GetFromJsonAsync<JsonElement>($"/api/runs?agent={agent}&limit=2");
        var cursor = first.GetProperty("nextCursor").GetString();
        var second = await user2.GetFromJsonAsync<JsonElement>($"/api/runs?agent={agent}&limit=2&cursor={cursor}");
        var seen = first.GetProperty("items").EnumerateArray().Concat(second.GetProperty("items").EnumerateArray()).ToList();

        Assert.All(seen, r => Assert.Equal("user-2", r.GetProperty("owner").GetString()));
        Assert.Equal(ids[2], seen[0].GetProperty("runId").GetString());
        Assert.Equal(ids[1], seen[1].GetProperty("runId").GetString());
        Assert.Equal(ids[0], seen[2].GetProperty("runId").GetString());
        Assert.Equal(seen.Count, seen.Select(r => r.GetProperty("runId").GetString()).Distinct().Count());
    }

    [Fact]
    public async Task ListRuns_ShowsARunningRunsProgress_NotJustWhereItStarted()
    {
        using var http = fixture.Client("dev-user-1");
        var id = NewId();
        await StartAsync(http, id, steps: 40, stepMs: 100);

        // Wait (bounded) until the journal holds three completed steps, then list while the run still runs.
        var events = new List<(long Seq, string Type)>();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            while (events.Count(e => e.Type == "step.completed") < 3)
            {
                await Task.Delay(100, timeout.Token);
                events = [.. (await http.GetFromJsonAsync<JsonElement[]>($"/api/runs/{id}/events?after=0&limit=1000", timeout.Token))!
                    .Select(e => (e.GetProperty("seq").GetInt64(), e.GetProperty("type").GetString()!))];
            }
        }

        var list = await http.GetFromJsonAsync<JsonElement>("/api/runs?agent=bench&limit=50");
        var item = list.GetProperty("items").EnumerateArray().Single(r => r.GetProperty("runId").GetString() == id);
        using var cancel = await http.PostAsync($"/api/runs/{id}/cancel", null);

        Assert.Equal("running", item.GetProperty("status").GetString());
        Assert.True(item.GetProperty("steps").GetInt32() >= 3, $"steps {item.GetProperty("steps")}");
        Assert.True(item.GetProperty("lastSeq").GetInt64() >= events[^1].Seq, $"lastSeq {item.GetProperty("lastSeq")} < {events[^1].Seq}");
    }

    [Fact]
    public async Task CancelRun_DuringALongStep_Is202AndTheRunEndsCancelled()
    {
        using var http = fixture.Client("dev-user-1");
        var id = NewId();
        await StartAsync(http, id, steps: 2, stepMs: 30_000);

        using var response = await http.PostAsync($"/api/runs/{id}/cancel", null);
        var done = await ApiRuns.WaitForEndAsync(http, id);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("cancelled", done.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Input_MessageToARunningRun_IsRecordedInItsEvents_AndApproveWithNothingPendingIs409()
    {
        using var http = fixture.Client("dev-user-1");
        var id = NewId();
        await StartAsync(http, id, steps: 3, stepMs: 500);

        using var message = await http.PostAsync($"/api/runs/{id}/input", Json("""{"kind":"message","message":"use the blue theme"}"""));
        using var approve = await http.PostAsync($"/api/runs/{id}/input", Json("""{"kind":"approve"}"""));
        await ApiRuns.WaitForEndAsync(http, id);
        var events = await http.GetFromJsonAsync<JsonElement[]>($"/api/runs/{id}/events?after=0&limit=100");

        Assert.Equal(HttpStatusCode.Accepted, message.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, approve.StatusCode);
        var recorded = Assert.Single(events!, e => e.GetProperty("type").GetString() == "input.message");
        Assert.Equal("use the blue theme", recorded.GetProperty("data").GetProperty("message").GetString());
    }

    [Fact]
    public async Task Input_RetriedWithTheSameIdempotencyKey_IsAppliedOnce_AndTheRetryIsAnsweredAsTheFirstWas()
    {
        using var http = fixture.Client("dev-user-1");
        var id = $"agent-{Guid.NewGuid():N}";
        using (var start = await http.PostAsync("/api/runs", Json(
            $$$"""{"agent":"voice-agent-builder","runId":"{{{id}}}","input":{"request":"A receptionist for the clinic.","documents":["clinic-faq.md","escalation-contacts.md"]}}""")))
        {
            Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        }

        // A client whose first request's answer was lost sends it again with the same key.
        var messageKey = Guid.NewGuid().ToString();
        var messages = new List<HttpStatusCode>();
        for (var i = 0; i < 2; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/runs/{id}/input") { Content = Json("""{"kind":"message","message":"mention the parking"}""") };
            request.Headers.Add("Idempotency-Key", messageKey);
            using var response = await http.SendAsync(request);
            messages.Add(response.StatusCode);
        }

        await WaitForStatusAsync(http, id, "waitingForInput");
        var approveKey = Guid.NewGuid().ToString();
        var approvals = new List<HttpStatusCode>();
        for (var i = 0; i < 2; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/runs/{id}/input") { Content = Json("""{"kind":"approve","comment":"ok"}""") };
            request.Headers.Add("Idempotency-Key", approveKey);
            using var response = await http.SendAsync(request);
            approvals.Add(response.StatusCode);
        }

        await ApiRuns.WaitForEndAsync(http, id);
        var events = await http.GetFromJsonAsync<JsonElement[]>($"/api/runs/{id}/events?after=0&limit=1000");

        Assert.Equal([HttpStatusCode.Accepted, HttpStatusCode.Accepted], messages);
        Assert.Equal([HttpStatusCode.Accepted, HttpStatusCode.Accepted], approvals);
        Assert.Single(events!, e => e.GetProperty("type").GetString() == "input.message");
        Assert.Single(events!, e => e.GetProperty("type").GetString() == "input.approved");
    }

    private static async Task WaitForStatusAsync(HttpClient http, string id, string status)
    {
        var run = default(JsonElement);
        for (var i = 0; i < 900; i++)
        {
            run = await http.GetFromJsonAsync<JsonElement>($"/api/runs/{id}");
            if (run.GetProperty("status").GetString() == status)
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"Run {id} never became {status}: {run}");
    }

    [Fact]
    public async Task AnotherOwner_Gets404OnEveryEndpoint_AndNoKeyGets401()
    {
        using var owner = fixture.Client("dev-user-1");
        using var other = fixture.Client("dev-user-2");
        using var anonymous = fixture.Client(null);
        using var wrongKey = fixture.Client("not-a-key");
        var id = NewId();
        await StartAsync(owner, id, steps: 1);

        string[] gets = [$"/api/runs/{id}", $"/api/runs/{id}/events", $"/api/runs/{id}/events/stream"];
        foreach (var path in gets)
        {
            using var response = await other.GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            using var missing = await other.GetAsync(path.Replace(id, NewId(), StringComparison.Ordinal));
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode); // indistinguishable
            using var noKey = await anonymous.GetAsync(path);
            Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
            using var badKey = await wrongKey.GetAsync(path);
            Assert.Equal(HttpStatusCode.Unauthorized, badKey.StatusCode);
        }

        using var cancel = await other.PostAsync($"/api/runs/{id}/cancel", null);
        using var input = await other.PostAsync($"/api/runs/{id}/input", Json("""{"kind":"message","message":"hi"}"""));
        using var list = await other.GetFromJsonAsync<JsonDocument>("/api/runs?limit=1000");
        Assert.Equal(HttpStatusCode.NotFound, cancel.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, input.StatusCode);
        Assert.DoesNotContain(list!.RootElement.GetProperty("items").EnumerateArray(), r => r.GetProperty("runId").GetString() == id);
        var socket = await Record.ExceptionAsync(() => EventClients.ReadWebSocketAsync(fixture.BaseAddress, $"/api/runs/{id}/ws", key: "dev-user-2"));
        Assert.Contains("404", socket?.Message ?? "", StringComparison.Ordinal);
        var anonymousSocket = await Record.ExceptionAsync(() => EventClients.ReadWebSocketAsync(fixture.BaseAddress, $"/api/runs/{id}/ws"));
        Assert.Contains("401", anonymousSocket?.Message ?? "", StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("POST", "/api/runs", "{not json", 400)]
    [InlineData("POST", "/api/runs", "[1,2]", 400)]
    [InlineData("POST", "/api/runs", """{"input":{}}""", 400)]
    [InlineData("POST", "/api/runs", """{"agent":"no-such-agent","input":{}}""", 400)]
    [InlineData("POST", "/api/runs", """{"agent":"bench","input":{"steps":"many"}}""", 400)]
    [InlineData("POST", "/api/runs", """{"agent":"bench","runId":"has spaces/and slashes","input":{}}""", 400)]
    [InlineData("POST", "/api/runs", """{"agent":"bench","runId":42,"input":{}}""", 400)]
    [InlineData("GET", "/api/runs/%20bad%20id", null, 404)]
    [InlineData("GET", "/api/runs/x/events?after=-1", null, 400)]
    [InlineData("GET", "/api/runs/x/events?after=abc", null, 400)]
    [InlineData("GET", "/api/runs/x/events?limit=0", null, 400)]
    [InlineData("GET", "/api/runs/x/events/stream?after=1.5", null, 400)]
    [InlineData("GET", "/api/runs?status=sleeping", null, 400)]
    [InlineData("GET", "/api/runs?limit=100000", null, 400)]
    [InlineData("GET", "/api/runs?cursor=%25%25%25", null, 400)]
    [InlineData("POST", "/api/runs/x/input", """{"kind":"dance"}""", 404)]
    public async Task BadInput_IsA4xxProblem_NeverA5xx(string method, string path, string? body, int expected)
    {
        using var http = fixture.Client("dev-user-1");
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = body is null ? null : Json(body) };

        using var response = await http.SendAsync(request);

        Assert.Equal(expected, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(expected, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
    }

    [Fact]
    public async Task OversizedInput_Is413Problem_AndNothingIsStored()
    {
        using var http = fixture.Client("dev-user-1");
        var id = NewId();
        var big = new string('x', FrontEndFixture.MaxInputBytes);

        using var response = await http.PostAsync("/api/runs", Json($$$"""{"agent":"bench","runId":"{{{id}}}","input":{"pad":"{{{big}}}"}}"""));
        using var lookup = await http.GetAsync($"/api/runs/{id}");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, lookup.StatusCode);
    }

    [Fact]
    public async Task StartingRunsFasterThanTheOwnersLimit_Is429Problem()
    {
        using var http = fixture.Client("dev-operator");
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i <= FrontEndFixture.RunsPerMinute; i++)
        {
            using var response = await http.PostAsync("/api/runs", Json("""{"agent":"bench","input":{"steps":0}}"""));
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                break;
            }
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[^1]);
        Assert.All(statuses[..^1], s => Assert.Equal(HttpStatusCode.Accepted, s));
    }

    [Fact]
    public async Task WebSocketFromAnOriginNotAllowed_IsRefused()
    {
        using var http = fixture.Client("dev-user-1");
        var id = NewId();
        await StartAsync(http, id, steps: 1, stepMs: 0);

        var refused = await Record.ExceptionAsync(() => EventClients.ReadWebSocketAsync(
            fixture.BaseAddress, $"/api/runs/{id}/ws", key: "dev-user-1", origin: "http://evil.example"));
        var (events, closed) = await EventClients.ReadWebSocketAsync(
            fixture.BaseAddress, $"/api/runs/{id}/ws", key: "dev-user-1", origin: FrontEndFixture.AllowedOrigin);

        Assert.Contains("403", refused?.Message ?? "", StringComparison.Ordinal);
        Assert.True(closed);
        EventClients.AssertCompleteSequence(events);
    }

    [Fact]
    public async Task Dashboard_OpensForTheOperatorOnly()
    {
        using var noRedirect = new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true };
        using var operatorBrowser = new HttpClient(noRedirect) { BaseAddress = fixture.BaseAddress };
        using var user = fixture.Client("dev-user-1");
        using var anonymous = fixture.Client(null);

        // The page sets the dashboard's cookie with a call that carries the key in its header; no key in a URL.
        using var session = new HttpRequestMessage(HttpMethod.Post, "/api/dashboard/session");
        session.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "dev-operator");
        using var sessionSet = await operatorBrowser.SendAsync(session);
        Assert.Equal(HttpStatusCode.NoContent, sessionSet.StatusCode);
        using var userSession = await user.PostAsync("/api/dashboard/session", null);
        Assert.Equal(HttpStatusCode.Forbidden, userSession.StatusCode);
        using var page = await operatorBrowser.GetAsync("/dashboard/");
        var html = await page.Content.ReadAsStringAsync();
        // The page's own API calls carry no key: the cookie set on the first load authorises them.
        using var api = await operatorBrowser.GetAsync("/dashboard/index.min.js");
        using var forbidden = await user.GetAsync("/dashboard/");
        using var unauthorised = await anonymous.GetAsync("/dashboard/");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<html", html, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, api.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorised.StatusCode);
    }

    [Fact]
    public async Task Me_NamesTheKeysOwner_AndWhetherItIsAnOperator()
    {
        using var user = fixture.Client("dev-user-1");
        using var operatorClient = fixture.Client("dev-operator");
        using var anonymous = fixture.Client(null);

        var me = await user.GetFromJsonAsync<JsonElement>("/api/me");
        var op = await operatorClient.GetFromJsonAsync<JsonElement>("/api/me");
        using var unauthorised = await anonymous.GetAsync("/api/me");

        Assert.Equal("user-1", me.GetProperty("owner").GetString());
        Assert.False(me.GetProperty("operator").GetBoolean());
        Assert.True(op.GetProperty("operator").GetBoolean());
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorised.StatusCode);
        Assert.Equal("application/problem+json", unauthorised.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task HealthAndOpenApi_Answer()
    {
        using var http = fixture.Client(null);

        using var live = await http.GetAsync("/health/live");
        using var ready = await http.GetAsync("/health/ready");
        var openApi = await http.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.True(openApi.GetProperty("paths").TryGetProperty("/api/runs/{id}/events/stream", out _));
        var metrics = await http.GetStringAsync("/metrics");
        Assert.Contains("http_server_request_duration_seconds", metrics, StringComparison.Ordinal);
        Assert.Contains("orleans_", metrics, StringComparison.Ordinal);
    }
}
