using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using OpenAI.Responses;

namespace OrleansAgents.Web.Tests;

/// <summary>
/// Every run quota hit over the real API: the start refused, or the run failed, with a problem or error that
/// names the limit and its value, and nothing already committed lost.
/// </summary>
public sealed class RunQuotaTests(QuotaClusterFixture fixture) : IClassFixture<QuotaClusterFixture>
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static string NewId() => $"quota-{Guid.NewGuid():N}";

    private static string VoiceAgentInput(string id, params (string Name, int Chars)[] documents)
    {
        var docs = documents.Length == 0
            ? """["clinic-faq.md","booking-policy.md","escalation-contacts.md"]"""
            : JsonSerializer.Serialize(documents.Select(d => new { name = d.Name, content = string.Concat(Enumerable.Repeat("The clinic opens at nine. ", d.Chars / 26 + 1))[..d.Chars] }));
        return $$$"""{"agent":"voice-agent-builder","runId":"{{{id}}}","input":{"request":"A receptionist for the clinic.","documents":{{{docs}}}}}""";
    }

    /// <summary>Every event of the run through the API: seq 1..n with no gap, the steps it committed before the quota stopped it, one terminal event.</summary>
    private static async Task<List<JsonElement>> AssertNothingLostAsync(HttpClient http, string id, JsonElement run)
    {
        var events = new List<JsonElement>();
        long after = 0;
        while (true)
        {
            var page = await http.GetFromJsonAsync<JsonElement>($"/api/runs/{id}/events?after={after}");
            var items = page.EnumerateArray().ToList();
            if (items.Count == 0)
            {
                break;
            }

            events.AddRange(items);
            after = items[^1].GetProperty("seq").GetInt64();
        }

        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.GetProperty("seq").GetInt64()));
        Assert.Equal(run.GetProperty("lastSeq").GetInt64(), events.Count);
        var completed = events.Where(e => e.GetProperty("type").GetString() == "step.completed").ToList();
        Assert.Equal(run.GetProperty("steps").GetInt32(), completed.Count);
        Assert.Equal(Enumerable.Range(0, completed.Count), completed.Select(e => e.GetProperty("data").GetProperty("step").GetInt32()));
        Assert.Equal("run.failed", events[^1].GetProperty("type").GetString());
        return events;
    }

    [Fact]
    public async Task A_start_past_the_step_limit_is_refused_with_a_problem_naming_the_limit_and_leaves_no_run()
    {
        using var http = fixture.Client("dev-user-1");
        var id = NewId();

        using var response = await http.PostAsync("/api/runs", Json($$$"""{"agent":"bench","runId":"{{{id}}}","input":{"steps":9,"stepMs":0}}"""));
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        using var after = await http.GetAsync($"/api/runs/{id}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("8 steps (OrleansAgents:Runs:Quotas:MaxSteps)", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, after.StatusCode);
    }

    [Fact]
    public async Task A_run_whose_agent_wants_more_steps_than_the_limit_fails_naming_it_and_keeps_every_step_it_committed()
    {
        using var http = fixture.Client("dev-user-1");
        var id = NewId();

        using var response = await http.PostAsync("/api/runs", Json(VoiceAgentInput(id)));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var run = await ApiRuns.WaitForEndAsync(http, id);

        Assert.Equal("failed", run.GetProperty("status").GetString());
        Assert.Contains("limit of 8 steps (OrleansAgents:Runs:Quotas:MaxSteps)", run.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(8, run.GetProperty("steps").GetInt32());
        await AssertNothingLostAsync(http, id, run);
    }

    [Fact]
    public async Task A_response_whose_run_fails_shows_status_failed_and_its_error_code_and_message_through_the_dotnet_SDK()
    {
        var client = OpenAIClients.ResponsesFor(fixture.Cluster.FrontEndAddress!, "dev-user-1");
        const string input = """{"request":"A receptionist for the clinic.","documents":["clinic-faq.md","booking-policy.md","escalation-contacts.md"]}""";

        var created = (await client.CreateResponseAsync(new CreateResponseOptions("voice-agent-builder", [ResponseItem.CreateUserMessageItem(input)]) { BackgroundModeEnabled = true })).Value;
        var failed = await OpenAIClients.PollAsync(client, created.Id);

        Assert.Equal(ResponseStatus.Failed, failed.Status);
        Assert.NotNull(failed.Error);
        Assert.Equal(ResponseErrorCode.ServerError, failed.Error.Code);
        Assert.Contains("limit of 8 steps (OrleansAgents:Runs:Quotas:MaxSteps)", failed.Error.Message, StringComparison.Ordinal);

        // Its stream ends response.failed with the same error (an 'error' event would read as a broken stream).
        var replay = await OpenAIClients.ReadAsync(client.GetResponseStreamingAsync(new GetResponseOptions(created.Id) { StreamingEnabled = true }));
        var last = Assert.IsType<StreamingResponseFailedUpdate>(replay[^1]);
        Assert.Equal(ResponseStatus.Failed, last.Response.Status);
        Assert.Equal(failed.Error.Message, last.Response.Error.Message);
    }

    [Fact]
    public async Task A_tool_result_over_the_step_result_limit_fails_the_run_naming_the_limit_without_recording_the_result()
    {
        using var http = fixture.Client("dev-user-1");
        var id = NewId();

        using var response = await http.PostAsync("/api/runs", Json(VoiceAgentInput(id, ("big.md", 20_000))));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var run = await ApiRuns.WaitForEndAsync(http, id);

        Assert.Equal("failed", run.GetProperty("status").GetString());
        var error = run.GetProperty("error").GetString()!;
        // Steps 0-3: list the documents, hand big.md to a document-analyst child, whose read of it passes the limit
        // and fails that child (its own run, the same way); told so, the builder reads big.md itself at step 5.
        Assert.Contains("Step 5 (tool:read_document) returned", error, StringComparison.Ordinal);
        Assert.Contains("16384 bytes (OrleansAgents:Runs:Quotas:MaxStepResultBytes)", error, StringComparison.Ordinal);
        var events = await AssertNothingLostAsync(http, id, run);
        Assert.Equal(5, run.GetProperty("steps").GetInt32()); // steps 0-4 kept; step 5's result not recorded
        Assert.DoesNotContain(events, e => e.GetProperty("type").GetString() == "step.completed" && e.GetProperty("data").GetProperty("step").GetInt32() == 5);
        var child = await http.GetFromJsonAsync<JsonElement>($"/api/runs/{id}::3.0");
        Assert.Equal("failed", child.GetProperty("status").GetString());
        Assert.Contains("Step 1 (tool:read_document) returned", child.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_run_whose_journal_would_pass_its_limit_fails_naming_the_limit_and_keeps_what_it_committed()
    {
        using var http = fixture.Client("dev-user-1");
        var id = NewId();

        using var response = await http.PostAsync("/api/runs", Json(VoiceAgentInput(id, ("a.md", 15_000), ("b.md", 15_000), ("c.md", 15_000))));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var run = await ApiRuns.WaitForEndAsync(http, id);

        Assert.Equal("failed", run.GetProperty("status").GetString());
        Assert.Contains("81920 bytes (OrleansAgents:Runs:Quotas:MaxJournalBytes)", run.GetProperty("error").GetString(), StringComparison.Ordinal);
        await AssertNothingLostAsync(http, id, run);
    }

    [Fact]
    public async Task An_owner_at_the_limit_of_unfinished_runs_is_refused_with_429_naming_it_until_one_of_them_ends()
    {
        using var http = fixture.Client("dev-user-2");
        using var other = fixture.Client("dev-user-1");
        var ids = Enumerable.Range(0, 3).Select(_ => NewId()).ToList();
        foreach (var id in ids)
        {
            using var started = await http.PostAsync("/api/runs", Json($$$"""{"agent":"bench","runId":"{{{id}}}","input":{"steps":1,"stepMs":600000}}"""));
            Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        }

        var fourth = NewId();
        using var refused = await http.PostAsync("/api/runs", Json($$$"""{"agent":"bench","runId":"{{{fourth}}}","input":{"steps":1,"stepMs":0}}"""));
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        using var otherOwner = await other.PostAsync("/api/runs", Json($$$"""{"agent":"bench","runId":"{{{NewId()}}}","input":{"steps":1,"stepMs":0}}"""));
        using var cancelled = await http.PostAsync($"/api/runs/{ids[0]}/cancel", Json("{}"));
        using var accepted = await http.PostAsync("/api/runs", Json($$$"""{"agent":"bench","runId":"{{{fourth}}}","input":{"steps":1,"stepMs":0}}"""));
        foreach (var id in ids.Skip(1))
        {
            using var cleanup = await http.PostAsync($"/api/runs/{id}/cancel", Json("{}"));
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("Quota exceeded", problem.GetProperty("title").GetString());
        Assert.Contains("has 3 unfinished runs; the limit is 3 (OrleansAgents:Runs:Quotas:MaxUnfinishedRunsPerOwner)", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Accepted, otherOwner.StatusCode);
        Assert.True(cancelled.IsSuccessStatusCode);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
    }

    [Fact]
    public async Task Runs_that_end_in_their_first_commit_free_no_quota_they_never_took()
    {
        using var http = fixture.Client("dev-operator");
        for (var i = 0; i < 5; i++)
        {
            using var done = await http.PostAsync("/api/runs", Json($$$"""{"agent":"bench","runId":"{{{NewId()}}}","input":{"steps":0}}"""));
            Assert.Equal(HttpStatusCode.Accepted, done.StatusCode); // started and succeeded in one commit
        }

        var ids = Enumerable.Range(0, 3).Select(_ => NewId()).ToList();
        foreach (var id in ids)
        {
            using var started = await http.PostAsync("/api/runs", Json($$$"""{"agent":"bench","runId":"{{{id}}}","input":{"steps":1,"stepMs":600000}}"""));
            Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        }

        using var refused = await http.PostAsync("/api/runs", Json($$$"""{"agent":"bench","runId":"{{{NewId()}}}","input":{"steps":1,"stepMs":0}}"""));
        foreach (var id in ids)
        {
            using var cleanup = await http.PostAsync($"/api/runs/{id}/cancel", Json("{}"));
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
    }

    [Fact]
    public async Task An_owner_at_its_limit_of_open_streams_gets_429_naming_it_and_a_slot_comes_back_when_a_stream_closes()
    {
        using var http = fixture.Client("dev-user-1");
        var id = NewId();
        (await http.PostAsync("/api/runs", Json($$$"""{"agent":"bench","runId":"{{{id}}}","input":{"steps":8,"stepMs":2000}}"""))).EnsureSuccessStatusCode();

        async Task<HttpResponseMessage> OpenAsync(HttpClient client, string path) =>
            await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, path), HttpCompletionOption.ResponseHeadersRead);

        var open = new List<HttpResponseMessage>();
        for (var i = 0; i < QuotaClusterFixture.MaxStreamsPerOwner; i++)
        {
            open.Add(await OpenAsync(http, $"/api/runs/{id}/events/stream"));
        }

        using var refused = await OpenAsync(http, $"/api/runs/{id}/events/stream");
        using var refusedV1 = await OpenAsync(http, $"/v1/responses/resp_{id}?stream=true");
        using var otherOwner = fixture.Client("dev-user-2");
        using var theirs = await OpenAsync(otherOwner, $"/api/runs/{id}/events/stream"); // another owner: not their run, not their limit

        Assert.All(open, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Contains("FrontEnd:MaxStreamsPerOwner", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.TooManyRequests, refusedV1.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, theirs.StatusCode);

        open[0].Dispose(); // the client goes away: its slot is released when the server sees it
        HttpStatusCode again = 0;
        for (var i = 0; i < 100 && again != HttpStatusCode.OK; i++)
        {
            await Task.Delay(100);
            using var retry = await OpenAsync(http, $"/api/runs/{id}/events/stream");
            again = retry.StatusCode;
        }

        Assert.Equal(HttpStatusCode.OK, again);
        foreach (var r in open)
        {
            r.Dispose();
        }

        await http.PostAsync($"/api/runs/{id}/cancel", null);
    }
}
