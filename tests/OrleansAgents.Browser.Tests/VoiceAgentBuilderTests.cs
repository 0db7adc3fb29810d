using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace OrleansAgents.Browser.Tests;

/// <summary>
/// The voice-agent-builder agent (offline model) from the page: model steps with live text, tool calls, and
/// a tool that waits for approval.
/// </summary>
public sealed class VoiceAgentBuilderTests(BrowserFixture fixture) : IAsyncDisposable
{
    public async ValueTask DisposeAsync() => await fixture.CloseContextsAsync();

    private const string User1 = "dev-user-1";

    [Fact]
    public async Task ApprovingAPendingToolFromThePage_LetsTheRunContinueToItsResult()
    {
        var page = await PageSteps.StartFromTheFormAsync(OpenAndFillAsync);
        await page.WaitForURLAsync(new Regex("/runs/run-"), new() { Timeout = 60_000 });
        var runId = page.Url[(page.Url.LastIndexOf('/') + 1)..];

        await page.ByTestId("pending-approval").WaitForAsync(new() { Timeout = 90_000 });
        Assert.Equal("waiting for input", await page.ByTestId("run-status").TextContentAsync());
        Directory.CreateDirectory(BrowserFixture.ScreenshotDirectory);
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "voice-agent-builder-approval-desktop.png"), FullPage = true });
        await page.ByTestId("approve").ClickAsync();
        await page.ByTestId("final-result").WaitForAsync(new() { Timeout = 90_000 });
        await page.WaitForConnectionAsync("ended");

        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "voice-agent-builder-run-desktop.png"), FullPage = true });

        var record = await fixture.EventsAsync(User1, runId);
        await page.AssertTimelineMatchesAsync(record);
        Assert.Contains(record, e => e.GetProperty("type").GetString() == "input.approved");
        Assert.Equal("succeeded", await page.ByTestId("run-status").TextContentAsync());
        Assert.True(await page.Locator("[data-testid=step][data-kind=model] [data-testid=model-text]").CountAsync() > 0);
        Assert.True(await page.Locator("[data-testid=step][data-kind=tool]").CountAsync() > 0);
        Assert.True(await page.EvaluateAsync<bool>("() => window.sawLiveText === true"), "model text was shown while it streamed");
        Assert.True(await page.ByTestId("run-tokens").TextContentAsync() is { Length: > 0 });

        // The list shows the run's tokens too.
        await page.Locator("a.back").ClickAsync();
        var row = page.Locator($"[data-testid=run-row][data-run-id=\"{runId}\"]");
        await row.WaitForAsync();
        var total = await fixture.RunAsync(User1, runId);
        Assert.Equal(
            total.GetProperty("usage").GetProperty("totalTokens").GetInt64().ToString("N0", System.Globalization.CultureInfo.InvariantCulture),
            await row.Locator("td").Nth(5).TextContentAsync());
    }

    /// <summary>A signed-in page with the start form filled for voice-agent-builder.</summary>
    private async Task<IPage> OpenAndFillAsync()
    {
        var page = await fixture.NewPageAsync();
        await page.SignInAsync(User1);
        await page.ByTestId("agent").FillAsync("voice-agent-builder");
        await page.ByTestId("request").FillAsync("Build a voice agent that books dentist appointments.");
        await Assertions.Expect(page.ByTestId("sample-document")).ToHaveCountAsync(3); // offered, all ticked
        // Remember whether streamed model text was ever on screen (it is replaced when the step commits).
        await page.EvaluateAsync("""
            () => new MutationObserver(() => {
              if ([...document.querySelectorAll('[data-testid=live-text]')].some(e => !e.hidden && e.textContent.length > 0)) window.sawLiveText = true;
            }).observe(document, { subtree: true, childList: true, characterData: true, attributes: true })
            """);
        return page;
    }
}
