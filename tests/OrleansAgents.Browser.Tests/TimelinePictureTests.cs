using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;

namespace OrleansAgents.Browser.Tests;

/// <summary>
/// The timeline picture on a run's page: one bar per step on a time axis, coloured by what its time went to,
/// with the gaps where nothing ran. A scripted record with fixed instants checks the drawing to the
/// millisecond; a real bench run checks it follows a run live.
/// </summary>
public sealed class TimelinePictureTests(BrowserFixture fixture) : IAsyncDisposable
{
    public async ValueTask DisposeAsync() => await fixture.CloseContextsAsync();

    private const string User1 = "dev-user-1";
    private const string ScriptedRunId = "scripted-picture";

    public static TheoryData<string> Widths => ["desktop", "phone"];

    [Theory]
    [MemberData(nameof(Widths))]
    public async Task A_run_page_draws_one_bar_per_step_coloured_by_kind_with_the_gap_of_a_resume(string width)
    {
        var page = await fixture.NewPageAsync(width == "desktop" ? BrowserFixture.Desktop : BrowserFixture.Phone);
        await page.SignInAsync(User1);
        await page.RouteAsync($"**/api/runs/{ScriptedRunId}**", ScriptedRecord.HandleAsync);

        await page.OpenRunAsync(ScriptedRunId);
        await page.ByTestId("final-result").WaitForAsync();
        await page.WaitForConnectionAsync("ended");
        var svg = page.ByTestId("timeline-svg");
        await Assertions.Expect(svg.Locator("[data-testid=timeline-bar]")).ToHaveCountAsync(3);
        Directory.CreateDirectory(BrowserFixture.ScreenshotDirectory);
        await page.ByTestId("timeline-picture").ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, $"timeline-{width}.png") });
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, $"run-timeline-{width}.png"), FullPage = true });

        var bars = await svg.Locator("[data-testid=timeline-bar]").EvaluateAllAsync<string[]>(
            "els => els.map(e => [e.dataset.step, e.dataset.kind, e.dataset.state, e.dataset.start, e.dataset.end].join('|'))");
        var segments = Parse(await svg.Locator("[data-testid=timeline-segment]").EvaluateAllAsync<string[]>(
            "els => els.map(e => [e.closest('[data-testid=timeline-bar]').dataset.step, e.dataset.kind, e.dataset.from, e.dataset.to, e.getAttribute('x'), e.getAttribute('width')].join('|'))"));
        var titles = await svg.Locator("[data-testid=timeline-bar] > title").AllTextContentsAsync();
        var resume = svg.Locator("[data-testid=timeline-mark][data-type=resumed]");
        var overflow = await page.EvaluateAsync<int>("() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth)");

        // One bar per step, by its kind, from its start to its completion (ms since the run started).
        Assert.Equal(["0|model|done|0|1200", "1|tool|done|1200|4000", "2|model|done|4000|6800"], bars);
        // What each step's time went to: the tool waited for a person, failed once and ran again after the
        // back-off; the last model call stopped where its activation was last seen and went on after the resume.
        Assert.Equal(
            [
                (0, "model", 0, 1200),
                (1, "tool", 1200, 1300), (1, "wait", 1300, 3300), (1, "retry", 3300, 3500), (1, "tool", 3700, 4000),
                (2, "model", 4000, 4300), (2, "model", 6000, 6800),
            ],
            segments.Select(s => (s.Step, s.Kind, s.From, s.To)));
        Assert.Equal(1, await resume.CountAsync());
        Assert.Equal("4300", await resume.GetAttributeAsync("data-from"));
        Assert.Equal("6000", await resume.GetAttributeAsync("data-at"));
        Assert.Contains("nothing ran for 1.70 s", await resume.Locator("title").TextContentAsync(), StringComparison.Ordinal);
        Assert.Equal(
            ["Step 0: Model call · took 1.20 s", "Step 1: Tool write_file · took 300 ms · 1 retry · waited 2.00 s for a person", "Step 2: Model call · took 800 ms"],
            titles);

        // Drawn to scale: the axis runs from the run's start (x of the first block) to its end (the last block's end).
        var left = segments[0].X;
        var right = segments[^1].X + segments[^1].Width;
        foreach (var s in segments)
        {
            Assert.Equal(s.From / 6800.0, (s.X - left) / (right - left), 2);
        }

        var wait = segments.Single(s => s.Kind == "wait");
        Assert.Equal(2000 / 6800.0, wait.Width / (right - left), 2);
        var resumeGap = segments[^1].X - (segments[^2].X + segments[^2].Width);
        Assert.True(resumeGap > (right - left) * 0.2, $"the resume gap is visible: {resumeGap:F1} of {right - left:F1}");
        Assert.Equal(0, overflow);
    }

    [Fact]
    public async Task A_bench_runs_picture_grows_live_with_one_bar_per_step_placed_at_each_steps_start()
    {
        // Signed in before the run starts, and steps long enough that the page is live before the run ends: in CI the
        // page once took 5 s to open a 12 x 400 ms run, which then ended 0.4 s after the stream opened ("connected" missed).
        var page = await fixture.NewPageAsync();
        await page.SignInAsync(User1);
        var runId = await fixture.StartRunAsync(User1, "bench", """{"steps":12,"stepMs":800}""");
        await page.OpenRunAsync(runId);
        await page.WaitForConnectionAsync("connected");
        // While the run goes on, its step in progress is an open bar.
        await page.Locator("[data-testid=timeline-bar][data-state=running]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        var barsWhileRunning = await page.Locator("[data-testid=timeline-bar]").CountAsync();
        await page.ByTestId("final-result").WaitForAsync(new() { Timeout = 60_000 });
        await page.WaitForConnectionAsync("ended");
        await Assertions.Expect(page.Locator("[data-testid=timeline-bar][data-state=done]")).ToHaveCountAsync(12);

        var record = await fixture.EventsAsync(User1, runId);
        var runStarted = At(record.Single(e => e.GetProperty("type").GetString() == "run.started"));
        var expected = record.Where(e => e.GetProperty("type").GetString() == "step.started")
            .Select(e => (Step: e.GetProperty("data").GetProperty("step").GetInt32(), Start: (At(e) - runStarted).TotalMilliseconds))
            .ToArray();
        var bars = (await page.Locator("[data-testid=timeline-bar]").EvaluateAllAsync<string[]>(
                "els => els.map(e => [e.dataset.step, e.dataset.kind, e.dataset.start, e.dataset.end].join('|'))"))
            .Select(b => b.Split('|'))
            .Select(b => (Step: int.Parse(b[0], CultureInfo.InvariantCulture), Kind: b[1], Start: double.Parse(b[2], CultureInfo.InvariantCulture), End: double.Parse(b[3], CultureInfo.InvariantCulture)))
            .ToArray();

        Assert.True(barsWhileRunning is > 0 and < 12, $"{barsWhileRunning} bars while the run was still going");
        Assert.Equal(expected.Select(e => e.Step), bars.Select(b => b.Step));
        Assert.All(bars, b => Assert.Equal("other", b.Kind));
        for (var i = 0; i < bars.Length; i++)
        {
            Assert.InRange(bars[i].Start, expected[i].Start - 1.5, expected[i].Start + 1.5);
            Assert.True(bars[i].End - bars[i].Start >= 400, $"step {i} took at least its 400 ms: {bars[i].End - bars[i].Start}");
            Assert.True(i == 0 || bars[i].Start >= bars[i - 1].End, $"step {i} starts after step {i - 1} ended");
        }

        Assert.Contains("Step 3: bench.step · took", await page.Locator("[data-testid=timeline-bar][data-step=\"3\"] > title").TextContentAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("[data-testid=timeline-mark]").CountAsync());
    }

    private static DateTimeOffset At(JsonElement e) => DateTimeOffset.Parse(e.GetProperty("at").GetString()!, CultureInfo.InvariantCulture);

    private static List<(int Step, string Kind, int From, int To, double X, double Width)> Parse(string[] rows) =>
    [
        .. rows.Select(r => r.Split('|')).Select(r => (
            int.Parse(r[0], CultureInfo.InvariantCulture), r[1],
            int.Parse(r[2], CultureInfo.InvariantCulture), int.Parse(r[3], CultureInfo.InvariantCulture),
            double.Parse(r[4], CultureInfo.InvariantCulture), double.Parse(r[5], CultureInfo.InvariantCulture))),
    ];

    /// <summary>A finished run's record at fixed instants: a model call, a tool call with an approval and a retry, a resume mid-call.</summary>
    private static class ScriptedRecord
    {
        private static readonly DateTimeOffset T0 = new(2026, 1, 5, 10, 0, 0, TimeSpan.Zero);

        private static readonly object ToolArgs = new { callId = "c1", tool = "write_file", arguments = new { path = "agent.json" } };

        private static readonly (int Ms, string Type, object Data)[] Record =
        [
            (0, "run.started", new { agent = "voice-agent-builder", version = "1", owner = "user-1", input = new { request = "Build a voice agent." } }),
            (0, "step.started", new { step = 0, name = "model", args = new { messages = Array.Empty<object>(), tools = new[] { "write_file" } } }),
            (400, "step.delta", new { step = 0, text = "Let me" }),
            (800, "step.delta", new { step = 0, text = " write it." }),
            (1200, "step.completed", new { step = 0, name = "model", durationMs = 1200, result = new { text = "Let me write it.", toolCalls = Array.Empty<object>(), finishReason = "tool_calls" } }),
            (1200, "step.started", new { step = 1, name = "tool:write_file", args = ToolArgs }),
            (1250, "tool.intent", new { step = 1, tool = "write_file", idempotencyKey = "k1" }),
            (1300, "input.requested", new { step = 1, kind = "approval", tool = "write_file", arguments = new { path = "agent.json" }, question = "Write agent.json?" }),
            (3300, "input.approved", new { step = 1 }),
            (3500, "step.retrying", new { step = 1, attempt = 1, error = "disk busy", delayMs = 200 }),
            (4000, "step.completed", new { step = 1, name = "tool:write_file", durationMs = 300, result = new { callId = "c1", tool = "write_file", output = new { written = true } } }),
            (4000, "step.started", new { step = 2, name = "model", args = new { messages = Array.Empty<object>(), tools = Array.Empty<string>() } }),
            (4300, "step.delta", new { step = 2, text = "Done" }),
            (6000, "run.resumed", new { step = 2, silo = "worker-2" }),
            (6800, "step.completed", new { step = 2, name = "model", durationMs = 800, result = new { text = "Done.", toolCalls = Array.Empty<object>(), finishReason = "stop" } }),
            (6800, "run.succeeded", new { steps = 3, output = "Done." }),
        ];

        private static JsonObject Event(int seq) => new()
        {
            ["runId"] = ScriptedRunId,
            ["seq"] = seq,
            ["type"] = Record[seq - 1].Type,
            ["at"] = T0.AddMilliseconds(Record[seq - 1].Ms).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffffzzz", CultureInfo.InvariantCulture),
            ["data"] = JsonSerializer.SerializeToNode(Record[seq - 1].Data),
        };

        public static Task HandleAsync(IRoute route)
        {
            var url = new Uri(route.Request.Url);
            string body;
            if (url.AbsolutePath.EndsWith("/events", StringComparison.Ordinal))
            {
                var after = int.Parse(System.Web.HttpUtility.ParseQueryString(url.Query)["after"] ?? "0", CultureInfo.InvariantCulture);
                body = new JsonArray([.. Enumerable.Range(after + 1, Math.Max(0, Record.Length - after)).Select(Event)]).ToJsonString();
            }
            else
            {
                body = JsonSerializer.Serialize(new
                {
                    runId = ScriptedRunId, agent = "voice-agent-builder", owner = "user-1", status = "succeeded",
                    createdAt = T0, updatedAt = T0.AddMilliseconds(6800), lastSeq = Record.Length, steps = 3,
                });
            }

            return route.FulfillAsync(new() { Status = 200, ContentType = "application/json", Body = body });
        }
    }
}
