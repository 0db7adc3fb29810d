using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace OrleansAgents.Web.Tests;

/// <summary>Child runs and durable timers as the HTTP API shows them: the run resource, the record and the live stream.</summary>
public sealed class ChildRunsApiTests(FrontEndFixture fixture)
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static string Path(string runId) => $"/api/runs/{Uri.EscapeDataString(runId)}";

    private static async Task<string> StartAsync(HttpClient http, string input)
    {
        var id = $"api-{Guid.NewGuid():N}";
        using var response = await http.PostAsync("/api/runs", Json($$"""{"agent":"bench","runId":"{{id}}","input":{{input}}}"""));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return id;
    }

    /// <summary>The run resource once it shows <c>sleepingUntil</c> (or after 30 s of asking, for the caller's asserts).</summary>
    private static async Task<JsonElement> WaitUntilSleepingAsync(HttpClient http, string id)
    {
        JsonElement run = default;
        for (var i = 0; i < 300 && !(run.ValueKind == JsonValueKind.Object && run.TryGetProperty("sleepingUntil", out _)); i++)
        {
            run = await http.GetFromJsonAsync<JsonElement>(Path(id));
            await Task.Delay(100);
        }

        return run;
    }

    [Fact]
    public async Task A_parent_shows_its_children_and_each_child_shows_its_parent_and_the_record_and_the_stream_show_child_events()
    {
        using var http = fixture.Client("dev-user-1");
        var parent = await StartAsync(http, """{"steps":1,"stepMs":10,"children":2,"childSteps":2,"childStepMs":10}""");

        var streamed = await EventClients.ReadSseAsync(http, $"{Path(parent)}/events/stream");
        var done = await ApiRuns.WaitForEndAsync(http, parent);
        var child = await http.GetFromJsonAsync<JsonElement>(Path($"{parent}::0.1"));
        var childByRawId = await http.GetFromJsonAsync<JsonElement>($"/api/runs/{parent}::0.0");
        var record = await http.GetFromJsonAsync<List<JsonElement>>($"{Path(parent)}/events?limit=1000") ?? [];

        Assert.Equal("succeeded", done.GetProperty("status").GetString());
        Assert.False(done.TryGetProperty("parent", out _)); // omitted, not null, for a top-level run
        Assert.False(done.TryGetProperty("sleepingUntil", out _));
        var children = done.GetProperty("children").EnumerateArray().ToList();
        Assert.Equal([$"{parent}::0.0", $"{parent}::0.1"], children.Select(c => c.GetProperty("runId").GetString()));
        Assert.All(children, c =>
        {
            Assert.Equal("bench", c.GetProperty("agent").GetString());
            Assert.Equal(0, c.GetProperty("step").GetInt32());
            Assert.Equal("succeeded", c.GetProperty("status").GetString());
        });

        Assert.Equal($"{parent}::0.1", child.GetProperty("runId").GetString());
        Assert.Equal("succeeded", child.GetProperty("status").GetString());
        Assert.Equal(parent, child.GetProperty("parent").GetProperty("runId").GetString());
        Assert.Equal(0, child.GetProperty("parent").GetProperty("step").GetInt32());
        Assert.Equal(1, child.GetProperty("parent").GetProperty("depth").GetInt32());
        Assert.False(child.TryGetProperty("children", out _));
        Assert.Equal(parent, childByRawId.GetProperty("parent").GetProperty("runId").GetString()); // ':' unescaped in the path works too

        // The record and the live stream carry the same child events, with the data EVENTS.md documents.
        EventClients.AssertCompleteSequence(streamed);
        Assert.Equal(record.Select(e => e.GetProperty("type").GetString()), streamed.Select(e => e.Type));
        var started = record.Where(e => e.GetProperty("type").GetString() == "child.started").Select(e => e.GetProperty("data")).ToList();
        var finished = record.Where(e => e.GetProperty("type").GetString() == "child.finished").Select(e => e.GetProperty("data")).ToList();
        Assert.Equal([$"{parent}::0.0", $"{parent}::0.1"], started.Select(d => d.GetProperty("runId").GetString()));
        Assert.All(started, d => Assert.Equal(("bench", 0), (d.GetProperty("agent").GetString(), d.GetProperty("step").GetInt32())));
        Assert.Equal(2, finished.Count);
        Assert.All(finished, d =>
        {
            Assert.Equal("succeeded", d.GetProperty("status").GetString());
            Assert.Equal(2, d.GetProperty("result").GetProperty("steps").GetInt32());
            Assert.False(d.TryGetProperty("error", out _));
        });
    }

    [Fact]
    public async Task A_sleeping_run_shows_when_it_wakes_and_its_record_shows_the_timer()
    {
        using var http = fixture.Client("dev-user-1");
        var before = DateTimeOffset.UtcNow;
        var id = await StartAsync(http, """{"steps":1,"sleepMs":600000}""");

        var run = await WaitUntilSleepingAsync(http, id);

        var record = await http.GetFromJsonAsync<List<JsonElement>>($"{Path(id)}/events") ?? [];
        using var cancel = await http.PostAsync($"{Path(id)}/cancel", null);
        var cancelled = await cancel.Content.ReadFromJsonAsync<JsonElement>();

        var until = run.GetProperty("sleepingUntil").GetDateTimeOffset();
        Assert.Equal("running", run.GetProperty("status").GetString());
        Assert.InRange(until, before.AddMinutes(10), DateTimeOffset.UtcNow.AddMinutes(10));
        var timer = record.Single(e => e.GetProperty("type").GetString() == "timer.started").GetProperty("data");
        Assert.Equal(0, timer.GetProperty("step").GetInt32());
        Assert.Equal(until, timer.GetProperty("until").GetDateTimeOffset());
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        Assert.False(cancelled.TryGetProperty("sleepingUntil", out _));
    }

    [Fact]
    public async Task A_client_following_a_sleeping_run_sees_it_wake_as_it_happens_not_at_the_front_ends_next_journal_check()
    {
        using var http = fixture.Client("dev-user-1");
        var id = await StartAsync(http, """{"steps":1,"stepMs":10,"sleepMs":25000}""");
        var run = await WaitUntilSleepingAsync(http, id);

        // Opened while the run sleeps, as a page opened on it, 20 s before its time: the front end watches the run, and
        // the run must still be watched when its reminder wakes it. Otherwise the wake-up comes through the front end's
        // check of a quiet run's journal (2 s after the stream opens, then 4, 8, 16 s later: 30 s after it opened),
        // about 10 s late here (22 s for a 40 s sleep in the evening's experiment).
        var until = run.GetProperty("sleepingUntil").GetDateTimeOffset();
        var wait = until - TimeSpan.FromSeconds(20) - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, $"{Path(id)}/events/stream?after={run.GetProperty("lastSeq").GetInt64()}");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        await using var stream = await response.Content.ReadAsStreamAsync(timeout.Token);
        TimeSpan? late = null;
        await foreach (var item in System.Net.ServerSentEvents.SseParser.Create(stream).EnumerateAsync(timeout.Token))
        {
            var arrived = DateTimeOffset.UtcNow;
            using var e = JsonDocument.Parse(item.Data);
            if (e.RootElement.GetProperty("type").GetString() == "timer.fired")
            {
                late = arrived - e.RootElement.GetProperty("at").GetDateTimeOffset();
                break;
            }
        }

        Assert.NotNull(late);
        Assert.True(late < TimeSpan.FromSeconds(2), $"timer.fired reached the client {late.Value.TotalSeconds:F1} s after its commit");
        Assert.Equal("succeeded", (await ApiRuns.WaitForEndAsync(http, id)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_stream_of_a_quiet_run_sends_its_headers_at_once_so_a_browser_knows_it_is_connected()
    {
        using var http = fixture.Client("dev-user-1");
        var id = await StartAsync(http, """{"steps":1,"sleepMs":600000}""");
        var run = await WaitUntilSleepingAsync(http, id);

        // Nothing will come after the last event for ten minutes: the response must still start (an EventSource
        // stays "connecting" until it sees the headers).
        var last = run.GetProperty("lastSeq").GetInt64();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{Path(id)}/events/stream?after={last}");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var cancel = await http.PostAsync($"{Path(id)}/cancel", null);
    }

    [Theory]
    [InlineData("mine::0.1")]
    [InlineData("a::b")]
    public async Task A_start_naming_a_run_id_with_two_colons_is_a_400_problem_since_those_are_child_run_ids(string runId)
    {
        using var http = fixture.Client("dev-user-1");

        using var response = await http.PostAsync("/api/runs", Json($$$"""{"agent":"bench","runId":"{{{runId}}}","input":{"steps":1}}"""));
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("reserved for child runs", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/runs/some-run::0.1")]
    [InlineData("/runs/some-run%3A%3A0.1")]
    [InlineData("/runs/with.dot")]
    [InlineData("/runs/plain")]
    public async Task A_deep_link_to_a_child_runs_page_loads_the_page_although_its_id_ends_like_a_file_name(string path)
    {
        using var http = fixture.Client(null);

        using var response = await http.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("data-testid=\"children-tree\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
