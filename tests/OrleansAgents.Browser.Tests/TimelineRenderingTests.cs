using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;

namespace OrleansAgents.Browser.Tests;

/// <summary>
/// The page against a scripted run API (Playwright routes) that plays every event type of docs/EVENTS.md
/// in a fixed order: live model text, a tool call that needs approval, a retry, a steer-free finish. The
/// page, the sign-in and the deep link are the real front end's; only this run's endpoints are scripted.
/// </summary>
public sealed class TimelineRenderingTests(BrowserFixture fixture) : IAsyncDisposable
{
    public async ValueTask DisposeAsync() => await fixture.CloseContextsAsync();

    private const string RunId = "scripted-run";

    [Fact]
    public async Task TheTimeline_ShowsModelTextLiveThenCommitted_ToolCalls_ApprovalsAndRetries_EachEventOnce()
    {
        var script = new ScriptedRun();
        var page = await fixture.NewPageAsync();
        await page.SignInAsync("dev-user-1");
        await page.RouteAsync($"**/api/runs/{RunId}**", script.HandleAsync);

        await page.OpenRunAsync(RunId);
        var live = page.Locator("[data-testid=step][data-step=\"0\"] [data-testid=live-text]");
        await Assertions.Expect(live).ToHaveTextAsync("Hello, world");
        script.ReleaseFirstToolCall();

        var approval = page.ByTestId("pending-approval");
        await approval.WaitForAsync();
        Assert.Equal("Write agent.json to the workspace?", await page.ByTestId("approval-question").TextContentAsync());
        Assert.Equal("write_file", await page.ByTestId("approval-tool").TextContentAsync());
        Assert.Equal("waiting for input", await page.ByTestId("run-status").TextContentAsync());
        Assert.Equal("waiting", await page.Locator("[data-testid=step][data-step=\"1\"]").GetAttributeAsync("data-state"));
        Assert.Equal("Hello, world!", await page.Locator("[data-testid=step][data-step=\"0\"] [data-testid=model-text]").TextContentAsync());
        Assert.True(await live.IsHiddenAsync());
        Assert.Equal("15 tokens", await page.Locator("[data-testid=step][data-step=\"0\"] [data-testid=step-usage]").TextContentAsync());
        Assert.Contains("agent.json", await page.Locator("[data-testid=step][data-step=\"1\"] [data-testid=tool-arguments]").TextContentAsync(), StringComparison.Ordinal);

        Directory.CreateDirectory(BrowserFixture.ScreenshotDirectory);
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "run-waiting-for-approval-desktop.png"), FullPage = true });
        await page.ByTestId("decision-note").FillAsync("looks right");
        await page.ByTestId("approve").ClickAsync();
        await page.ByTestId("final-result").WaitForAsync();
        await page.WaitForConnectionAsync("ended");
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "run-model-and-tools-desktop.png"), FullPage = true });

        Assert.Equal("""{"kind":"approve","comment":"looks right","requestSeq":8}""", script.Input); // names the question shown: input.requested at seq 8
        Assert.True(await approval.IsHiddenAsync());
        Assert.Equal(Enumerable.Range(1, 16).Where(i => i is not (3 or 4 or 13)).Select(i => (long)i), (await page.ShownSeqsAsync()).Order());
        var steps = await page.ShownStepsAsync();
        Assert.Equal(new[] { 0, 1, 2 }, steps);
        Assert.Equal("1", await page.Locator("[data-testid=step][data-step=\"1\"]").GetAttributeAsync("data-retries"));
        Assert.Contains("\"written\": true", await page.Locator("[data-testid=step][data-step=\"1\"] [data-testid=step-result]").TextContentAsync(), StringComparison.Ordinal);
        Assert.Equal("Your agent is ready.", await page.Locator("[data-testid=step][data-step=\"2\"] [data-testid=model-text]").TextContentAsync());
        Assert.Contains("Your agent is ready.", await page.ByTestId("final-result").TextContentAsync(), StringComparison.Ordinal);
        Assert.Equal("succeeded", await page.ByTestId("run-status").TextContentAsync());
        Assert.Equal("37 tokens", await page.ByTestId("run-tokens").TextContentAsync());
        Assert.Equal(3, await page.Locator("[data-testid=step][data-state=done]").CountAsync());
    }

    /// <summary>The run's API, played in three parts: the record so far, live text, then the rest around an approval.</summary>
    private sealed class ScriptedRun
    {
        private readonly TaskCompletionSource _firstToolCall = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _approved = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _streams;

        public string? Input { get; private set; }

        public void ReleaseFirstToolCall() => _firstToolCall.TrySetResult();

        private static readonly object ModelArgs = new
        {
            messages = new object[]
            {
                new { role = "system", text = "You build voice agents." },
                new { role = "user", text = "Build a voice agent for a dentist." },
            },
            tools = new[] { "write_file", "read_document" },
        };

        private static readonly object ToolArgs = new { callId = "c1", tool = "write_file", arguments = new { path = "agent.json", content = "{}" } };

        private static readonly (string Type, object Data)[] Record =
        [
            ("run.started", new { agent = "voice-agent-builder", version = "1", owner = "user-1", input = new { request = "Build a voice agent for a dentist." } }),
            ("step.started", new { step = 0, name = "model", idempotencyKey = $"{RunId}:0", args = ModelArgs }),
            ("step.delta", new { step = 0, text = "Hello" }),
            ("step.delta", new { step = 0, text = ", world" }),
            ("step.completed", new
            {
                step = 0, name = "model", durationMs = 1234,
                result = new { text = "Hello, world!", toolCalls = new[] { new { callId = "c1", name = "write_file", arguments = new { path = "agent.json" } } }, finishReason = "tool_calls", model = "scripted" },
                usage = new { inputTokens = 10, outputTokens = 5, totalTokens = 15 },
            }),
            ("step.started", new { step = 1, name = "tool:write_file", idempotencyKey = $"{RunId}:1", args = ToolArgs }),
            ("tool.intent", new { step = 1, tool = "write_file", idempotencyKey = $"{RunId}:1" }),
            ("input.requested", new { step = 1, kind = "approval", tool = "write_file", arguments = new { path = "agent.json", content = "{}" }, question = "Write agent.json to the workspace?" }),
            ("input.approved", new { step = 1, comment = "looks right" }),
            ("step.retrying", new { step = 1, attempt = 1, error = "disk busy", delayMs = 200 }),
            ("step.completed", new { step = 1, name = "tool:write_file", durationMs = 310, result = new { callId = "c1", tool = "write_file", output = new { written = true } } }),
            ("step.started", new { step = 2, name = "model", idempotencyKey = $"{RunId}:2", args = new { messages = new[] { new { role = "tool", text = "{\"written\":true}", toolCallId = "c1", toolName = "write_file" } }, tools = Array.Empty<string>() } }),
            ("step.delta", new { step = 2, text = "Your agent" }),
            ("run.resumed", new { step = 2, silo = "worker-2" }),
            ("step.completed", new { step = 2, name = "model", durationMs = 800, result = new { text = "Your agent is ready.", toolCalls = Array.Empty<object>(), finishReason = "stop", model = "scripted" }, usage = new { inputTokens = 20, outputTokens = 2, totalTokens = 22 } }),
            ("run.succeeded", new { steps = 3, output = "Your agent is ready.", usage = new { inputTokens = 30, outputTokens = 7, totalTokens = 37 } }),
        ];

        private static JsonObject Event(int seq) => new()
        {
            ["runId"] = RunId,
            ["seq"] = seq,
            ["type"] = Record[seq - 1].Type,
            ["at"] = DateTimeOffset.UtcNow.ToString("O"),
            ["data"] = JsonSerializer.SerializeToNode(Record[seq - 1].Data),
        };

        private static string Sse(IEnumerable<JsonObject> events)
        {
            var body = new StringBuilder();
            foreach (var e in events)
            {
                if (e["seq"] is JsonValue seq)
                {
                    body.Append("id: ").Append(seq.GetValue<int>()).Append('\n');
                }

                body.Append("data: ").Append(e.ToJsonString()).Append("\n\n");
            }

            return body.ToString();
        }

        private static readonly object RunJson = new
        {
            runId = RunId, agent = "voice-agent-builder", owner = "user-1", status = "running",
            createdAt = DateTimeOffset.UtcNow, updatedAt = DateTimeOffset.UtcNow, lastSeq = 2, steps = 0,
        };

        public async Task HandleAsync(IRoute route)
        {
            var url = new Uri(route.Request.Url);
            var path = url.AbsolutePath;
            var after = int.Parse(System.Web.HttpUtility.ParseQueryString(url.Query)["after"] ?? "0", System.Globalization.CultureInfo.InvariantCulture);
            if (path.EndsWith("/input", StringComparison.Ordinal))
            {
                Input = route.Request.PostData;
                _approved.TrySetResult();
                await Json(route, RunJson, 202);
            }
            else if (path.EndsWith("/events/stream", StringComparison.Ordinal))
            {
                if (Interlocked.Increment(ref _streams) == 1)
                {
                    // Model text for step 0 (its drafts), then the connection drops.
                    await route.FulfillAsync(new() { Status = 200, ContentType = "text/event-stream", Body = Sse([Event(3), Event(4)]) });
                }
                else
                {
                    await _approved.Task.WaitAsync(TimeSpan.FromSeconds(60));
                    await route.FulfillAsync(new()
                    {
                        Status = 200,
                        ContentType = "text/event-stream",
                        Body = Sse([.. Enumerable.Range(after + 1, Record.Length - after).Select(Event)]),
                    });
                }
            }
            else if (path.EndsWith("/events", StringComparison.Ordinal))
            {
                // The record: seq 1-2 at first; 5-8 (through the approval request) once the streamed text was seen.
                var upTo = after == 0 ? 2 : 8;
                if (after > 0)
                {
                    await _firstToolCall.Task.WaitAsync(TimeSpan.FromSeconds(60));
                }

                await Json(route, Enumerable.Range(after + 1, Math.Max(0, upTo - after)).Select(Event).ToArray(), 200);
            }
            else
            {
                await Json(route, RunJson, 200);
            }
        }

        private static readonly JsonSerializerOptions WebJson = new(JsonSerializerDefaults.Web);

        private static Task Json(IRoute route, object body, int status) =>
            route.FulfillAsync(new() { Status = status, ContentType = "application/json", Body = JsonSerializer.Serialize(body, WebJson) });
    }
}
