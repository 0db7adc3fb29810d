using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;

namespace OrleansAgents.Browser.Tests;

/// <summary>The run list's progress bars: each run's steps done against the step count its input asks for, or its agent's step limit.</summary>
public sealed class RunListProgressTests(BrowserFixture fixture) : IAsyncDisposable
{
    public async ValueTask DisposeAsync() => await fixture.CloseContextsAsync();

    private const string User1 = "dev-user-1";

    [Fact]
    public async Task The_run_list_shows_each_runs_steps_done_against_its_step_count_as_a_progress_bar()
    {
        var finished = await fixture.StartRunAsync(User1, "bench", """{"steps":3}""");
        var unsized = await fixture.StartRunAsync(User1, "bench", """{"stepMs":10}""");
        var slow = await fixture.StartRunAsync(User1, "bench", """{"steps":20,"stepMs":500}""");
        var chat = await fixture.StartRunAsync(User1, "voice-agent-builder", """{"request":"Build a voice agent that books dentist appointments.","documents":["clinic-faq.md","booking-policy.md","escalation-contacts.md"]}""");
        var page = await fixture.NewPageAsync();
        await page.SignInAsync(User1);

        var slowProgress = page.Locator($"[data-testid=run-row][data-run-id=\"{slow}\"] [data-testid=run-progress]");
        await slowProgress.WaitForAsync();
        // Polled: a bar part-way while the run goes on...
        await page.WaitForFunctionAsync(
            """
            id => {
              const bar = document.querySelector(`[data-testid=run-row][data-run-id="${id}"][data-status=running] [data-testid=run-progress]`);
              const now = Number(bar?.getAttribute('aria-valuenow'));
              return now > 0 && now < 20;
            }
            """,
            slow,
            new() { Timeout = 60_000 });
        var partWay = await RowProgressAsync(page, slow);
        Directory.CreateDirectory(BrowserFixture.ScreenshotDirectory);
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "runs-progress-desktop.png"), FullPage = true });
        await page.SetViewportSizeAsync(BrowserFixture.Phone.Width, BrowserFixture.Phone.Height);
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "runs-progress-phone.png"), FullPage = true });
        var phoneOverflow = await page.EvaluateAsync<int>("() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth)");
        // ...and full once it succeeded.
        await page.Locator($"[data-testid=run-row][data-run-id=\"{slow}\"][data-status=succeeded]").WaitForAsync(new() { Timeout = 60_000 });
        await page.Locator($"[data-testid=run-row][data-run-id=\"{unsized}\"][data-status=succeeded]").WaitForAsync(new() { Timeout = 60_000 });

        using var http = fixture.Client(User1);
        var list = await http.GetFromJsonAsync<JsonElement>(new Uri("/api/runs?limit=100", UriKind.Relative));
        var items = list.GetProperty("items").EnumerateArray().ToDictionary(r => r.GetProperty("runId").GetString()!);
        var single = await fixture.RunAsync(User1, slow);
        var agents = await http.GetFromJsonAsync<JsonElement>(new Uri("/api/agents", UriKind.Relative));
        // A chat agent's run: its steps against the agent's step limit (voice-agent-builder: 40 by default).
        // It waits for an approval to publish: part-way through its 40 steps.
        var chatProgress = page.Locator($"[data-testid=run-row][data-run-id=\"{chat}\"][data-status=waitingForInput] [data-testid=run-progress]");
        await chatProgress.WaitForAsync(new() { Timeout = 90_000 });
        var chatMax = await chatProgress.GetAttributeAsync("aria-valuemax");
        var chatNow = await chatProgress.GetAttributeAsync("aria-valuenow");
        var chatSteps = (await fixture.RunAsync(User1, chat)).GetProperty("steps").GetInt32();
        using (var cancel = await http.PostAsync(new Uri($"/api/runs/{chat}/cancel", UriKind.Relative), null))
        {
            cancel.EnsureSuccessStatusCode();
        }

        Assert.Equal("20", partWay.Max);
        Assert.InRange(int.Parse(partWay.Now, System.Globalization.CultureInfo.InvariantCulture), 1, 19);
        Assert.Equal(("20", "20", "100%"), await RowProgressAsync(page, slow));
        Assert.Equal(("3", "3", "100%"), await RowProgressAsync(page, finished));
        Assert.Equal(("1", "1", "100%"), await RowProgressAsync(page, unsized)); // no step count asked for: done is full
        Assert.Equal("20", await page.Locator($"[data-testid=run-row][data-run-id=\"{slow}\"] td").Nth(4).TextContentAsync());
        Assert.Equal("20 of 20 steps", await page.Locator($"[data-testid=run-row][data-run-id=\"{slow}\"] [data-testid=run-progress]").GetAttributeAsync("aria-valuetext"));
        Assert.Equal(0, phoneOverflow);

        // The API: maxSteps in the list where the input gives the step count; never in a single run's JSON.
        Assert.Equal(20, items[slow].GetProperty("maxSteps").GetInt32());
        Assert.Equal(3, items[finished].GetProperty("maxSteps").GetInt32());
        Assert.False(items[unsized].TryGetProperty("maxSteps", out _));
        Assert.False(single.TryGetProperty("maxSteps", out _));
        Assert.False(items[chat].TryGetProperty("maxSteps", out _));
        var limits = agents.GetProperty("items").EnumerateArray().ToDictionary(a => a.GetProperty("name").GetString()!, a => a.GetProperty("maxSteps"));
        Assert.Equal(40, limits["voice-agent-builder"].GetInt32());
        Assert.Equal(JsonValueKind.Null, limits["bench"].ValueKind);
        Assert.Equal("40", chatMax);
        Assert.Equal(chatSteps.ToString(System.Globalization.CultureInfo.InvariantCulture), chatNow);
        Assert.InRange(chatSteps, 1, 39);
    }

    /// <summary>aria-valuenow, aria-valuemax and the fill's width of a run's progress bar.</summary>
    private static async Task<(string Now, string Max, string Fill)> RowProgressAsync(IPage page, string runId)
    {
        var bar = page.Locator($"[data-testid=run-row][data-run-id=\"{runId}\"] [data-testid=run-progress]");
        return (
            await bar.GetAttributeAsync("aria-valuenow") ?? "",
            await bar.GetAttributeAsync("aria-valuemax") ?? "",
            await bar.Locator(".fill").EvaluateAsync<string>("e => e.style.width"));
    }
}
