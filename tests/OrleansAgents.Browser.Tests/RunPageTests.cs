using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace OrleansAgents.Browser.Tests;

/// <summary>Starting, following and steering runs of the built-in bench agent from the page.</summary>
public sealed class RunPageTests(BrowserFixture fixture) : IAsyncDisposable
{
    public async ValueTask DisposeAsync() => await fixture.CloseContextsAsync();

    private const string User1 = "dev-user-1";

    [Fact]
    public async Task StartingARunFromThePage_ShowsEveryStepExactlyOnce_UntilItSucceeds()
    {
        var page = await PageSteps.StartFromTheFormAsync(async () =>
        {
            var page = await fixture.NewPageAsync();
            await page.SignInAsync(User1);
            await page.ByTestId("agent").FillAsync("bench");
            await page.ByTestId("input-json").FillAsync("""{ "steps": 6, "stepMs": 250 }""");
            return page;
        });
        await page.WaitForURLAsync(new Regex("/runs/run-"));
        await page.ByTestId("final-result").WaitForAsync(new() { Timeout = 60_000 });
        await page.WaitForConnectionAsync("ended");

        var runId = page.Url[(page.Url.LastIndexOf('/') + 1)..];
        var record = await fixture.EventsAsync(User1, runId);
        await page.AssertTimelineMatchesAsync(record);
        Assert.Equal(6, await page.Locator("[data-testid=step][data-state=done]").CountAsync());
        Assert.Equal("bench.step", await page.Locator("[data-testid=step]").First.GetAttributeAsync("data-name"));
        Assert.Equal("succeeded", await page.ByTestId("run-status").TextContentAsync());
        Assert.True(await page.ByTestId("cancel").IsDisabledAsync());
        await Assertions.Expect(page.Locator("[data-testid=step] [data-testid=step-duration]").First).Not.ToBeEmptyAsync();
    }

    // The two tests below hold their run live until they end it: a run that ends by itself may end before a slow page
    // (CI runs the other test projects on the same two cores) has opened its stream, and "connected" is then never
    // shown. CI once took 12 s from the start to the first wait, and a 16 x 300 ms run had ended by then.
    private const string LongRun = """{"steps":400,"stepMs":250}""";

    [Fact]
    public async Task ReloadingMidRun_ContinuesTheTimelineWithoutDuplicatesOrGaps()
    {
        var runId = await fixture.StartRunAsync(User1, "bench", LongRun);
        var page = await fixture.NewPageAsync();
        await page.SignInAsync(User1);
        await page.OpenRunAsync(runId);
        await page.WaitForConnectionAsync("connected");
        await page.WaitForLastSeqAsync(8);

        var shownBeforeReload = await page.LastSeqAsync();
        await page.ReloadAsync();
        await page.ByTestId("run-view").WaitForAsync();
        await page.WaitForLastSeqAsync(shownBeforeReload); // rebuilt from the record at least as far as it had shown
        await page.WaitForConnectionAsync("connected");
        await page.WaitForLastSeqAsync(shownBeforeReload + 6); // and live again after it

        await CancelAndCompareWithTheRecordAsync(page, runId);
    }

    [Fact]
    public async Task AFrontEndRestartMidRun_ShowsReconnecting_ThenResumesFromTheLastSeqShown()
    {
        var runId = await fixture.StartRunAsync(User1, "bench", LongRun);
        var page = await fixture.NewPageAsync();
        await page.SignInAsync(User1);
        await page.OpenRunAsync(runId);
        await page.WaitForConnectionAsync("connected");
        await page.WaitForLastSeqAsync(6);

        var frontEnd = fixture.Cluster.FrontEnd!;
        frontEnd.Kill();
        await page.WaitForConnectionAsync("reconnecting", 30_000);
        var shownBeforeRestart = await page.LastSeqAsync();
        frontEnd.Start();
        await fixture.Cluster.WaitForFrontEndAsync(TimeSpan.FromSeconds(60));
        await page.WaitForConnectionAsync("connected", 90_000);
        await page.WaitForLastSeqAsync(shownBeforeRestart + 6);

        await CancelAndCompareWithTheRecordAsync(page, runId);
    }

    /// <summary>Ends a <see cref="LongRun"/> from the API; the page shows its end, and every committed event once.</summary>
    private async Task CancelAndCompareWithTheRecordAsync(IPage page, string runId)
    {
        await fixture.CancelRunAsync(User1, runId);
        await page.ByTestId("final-result").WaitForAsync(new() { Timeout = 90_000 });
        await page.WaitForConnectionAsync("ended");

        var record = await fixture.EventsAsync(User1, runId);
        await page.AssertTimelineMatchesAsync(record);
        Assert.Equal(
            record.Count(e => e.GetProperty("type").GetString() == "step.completed"),
            await page.Locator("[data-testid=step][data-state=done]").CountAsync());
    }

    [Fact]
    public async Task SteeringAndCancellingFromThePage_RecordsTheMessage_AndEndsTheRun()
    {
        var runId = await fixture.StartRunAsync(User1, "bench", """{"steps":200,"stepMs":300}""");
        var page = await fixture.NewPageAsync();
        await page.SignInAsync(User1);
        await page.OpenRunAsync(runId);
        await page.WaitForConnectionAsync("connected");

        await page.ByTestId("steer-input").FillAsync("Please hurry up.");
        await page.ByTestId("steer-send").ClickAsync();
        await page.Locator("[data-type=\"input.message\"]", new() { HasText = "Please hurry up." }).WaitForAsync();
        await page.ByTestId("cancel").ClickAsync();
        await page.ByTestId("final-result").WaitForAsync();
        await page.WaitForConnectionAsync("ended");

        Assert.Equal("cancelled", await page.ByTestId("run-status").TextContentAsync());
        Assert.Contains("cancelled by user-1", await page.ByTestId("final-result").TextContentAsync(), StringComparison.Ordinal);
        await page.AssertTimelineMatchesAsync(await fixture.EventsAsync(User1, runId));
    }

    [Fact]
    public async Task TheRunList_ShowsMyRunsWithLiveStatus_AndFiltersByStatus()
    {
        var finished = await fixture.StartRunAsync(User1, "bench", """{"steps":1}""");
        var slow = await fixture.StartRunAsync(User1, "bench", """{"steps":6,"stepMs":500}""");
        var page = await fixture.NewPageAsync();
        await page.SignInAsync(User1);

        var slowRow = page.Locator($"[data-testid=run-row][data-run-id=\"{slow}\"]");
        await slowRow.WaitForAsync();
        // Polled: the running run turns succeeded without a reload.
        await page.Locator($"[data-testid=run-row][data-run-id=\"{slow}\"][data-status=succeeded]").WaitForAsync(new() { Timeout = 60_000 });
        Assert.Equal("bench", await slowRow.Locator("td").Nth(1).TextContentAsync());
        Assert.Equal("6", await slowRow.Locator("td").Nth(4).TextContentAsync());
        await page.ByTestId("filter-status").SelectOptionAsync("running");
        await Assertions.Expect(page.Locator($"[data-testid=run-row][data-run-id=\"{finished}\"]")).ToHaveCountAsync(0);
        await page.ByTestId("filter-status").SelectOptionAsync("succeeded");
        await page.Locator($"[data-testid=run-row][data-run-id=\"{finished}\"]").WaitForAsync();

        await page.Locator($"[data-testid=run-row][data-run-id=\"{finished}\"] a").ClickAsync();
        await page.WaitForURLAsync($"**/runs/{finished}");
        await page.ByTestId("final-result").WaitForAsync();
    }
}
