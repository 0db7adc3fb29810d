using Microsoft.Playwright;

namespace OrleansAgents.Browser.Tests;

/// <summary>Screenshots of the page at laptop and phone width, saved under artifacts/screenshots (git-ignored).</summary>
public sealed class ScreenshotTests(BrowserFixture fixture) : IAsyncDisposable
{
    public async ValueTask DisposeAsync() => await fixture.CloseContextsAsync();

    public static TheoryData<string> Widths => ["desktop", "phone"];

    [Theory]
    [MemberData(nameof(Widths))]
    public async Task TheRunListAndARunsPage_FitTheWidth_AndAreSavedAsScreenshots(string width)
    {
        var viewport = width == "desktop" ? BrowserFixture.Desktop : BrowserFixture.Phone;
        var done = await fixture.StartRunAsync("dev-user-1", "bench", """{"steps":4,"stepMs":50,"bytes":120}""");
        await fixture.StartRunAsync("dev-user-1", "bench", """{"steps":120,"stepMs":500}""");
        var page = await fixture.NewPageAsync(viewport);
        await page.SignInAsync("dev-user-1");
        await page.Locator($"[data-testid=run-row][data-run-id=\"{done}\"][data-status=succeeded]").WaitForAsync(new() { Timeout = 60_000 });
        await Assertions.Expect(page.ByTestId("sample-document")).ToHaveCountAsync(3);
        Directory.CreateDirectory(BrowserFixture.ScreenshotDirectory);

        var list = Path.Combine(BrowserFixture.ScreenshotDirectory, $"runs-{width}.png");
        await page.ScreenshotAsync(new() { Path = list, FullPage = true });
        var listOverflow = await HorizontalOverflowAsync(page);

        await page.OpenRunAsync(done);
        await page.ByTestId("final-result").WaitForAsync();
        var run = Path.Combine(BrowserFixture.ScreenshotDirectory, $"run-{width}.png");
        await page.ScreenshotAsync(new() { Path = run, FullPage = true });
        var runOverflow = await HorizontalOverflowAsync(page);

        Assert.True(new FileInfo(list).Length > 5_000, list);
        Assert.True(new FileInfo(run).Length > 5_000, run);
        Assert.Equal(0, listOverflow);
        Assert.Equal(0, runOverflow);
    }

    /// <summary>How far the page is wider than the viewport (0: no sideways scrolling).</summary>
    private static Task<int> HorizontalOverflowAsync(IPage page) =>
        page.EvaluateAsync<int>("() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth)");
}
