using Microsoft.Playwright;

namespace OrleansAgents.Browser.Tests;

/// <summary>
/// Child runs and durable timers on a run's page: the children as a tree with live status, each child's page
/// linking back to its parent, and a run sleeping on a timer with its wake time and a countdown.
/// </summary>
public sealed class ChildRunsPageTests(BrowserFixture fixture) : IAsyncDisposable
{
    public async ValueTask DisposeAsync() => await fixture.CloseContextsAsync();

    private const string User1 = "dev-user-1";

    [Fact]
    public async Task A_parents_page_shows_its_children_as_a_tree_whose_status_turns_succeeded_and_whose_links_open_each_childs_page_with_its_parent()
    {
        var page = await fixture.NewPageAsync();
        // Every status each child's node shows, in order, from the page's first moment (the children run for 3 s
        // or more, so a page under load may show them running for a moment only).
        await page.AddInitScriptAsync("""
            window.childStatuses = [];
            new MutationObserver((changes) => {
              for (const c of changes) if (c.target.dataset?.testid === 'child') window.childStatuses.push(`${c.target.dataset.runId}|${c.target.dataset.status}`);
            }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-status'] });
            """);
        await page.SignInAsync(User1);
        var parent = await fixture.StartRunAsync(User1, "bench", """{"steps":2,"stepMs":50,"children":3,"childSteps":10,"childStepMs":300}""");
        string[] children = [$"{parent}::0.0", $"{parent}::0.1", $"{parent}::0.2"];
        await page.OpenRunAsync(parent);

        var nodes = page.Locator("[data-testid=children-tree] > [data-testid=child]");
        await Assertions.Expect(nodes).ToHaveCountAsync(3);
        Directory.CreateDirectory(BrowserFixture.ScreenshotDirectory);
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "children-tree-running-desktop.png"), FullPage = true });
        // Live: running while the children run, then succeeded, on the same page without a reload.
        await Assertions.Expect(page.Locator("[data-testid=children-tree] > [data-testid=child][data-status=succeeded]")).ToHaveCountAsync(3, new() { Timeout = 60_000 });
        await page.ByTestId("final-result").WaitForAsync(new() { Timeout = 60_000 });
        var statuses = await page.EvaluateAsync<string[]>("() => window.childStatuses");
        var ids = await nodes.Locator("[data-testid=child-link]").AllTextContentsAsync();
        var hrefs = await nodes.Locator("[data-testid=child-link]").EvaluateAllAsync<string[]>("els => els.map(e => e.getAttribute('href'))");
        var agents = await nodes.Locator("[data-testid=child-agent]").AllTextContentsAsync();
        var stepLinks = await page.Locator("[data-testid=timeline] [data-testid=step-child]").AllTextContentsAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "children-tree-desktop.png"), FullPage = true });
        await page.SetViewportSizeAsync(BrowserFixture.Phone.Width, BrowserFixture.Phone.Height);
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "children-tree-phone.png"), FullPage = true });
        var phoneOverflow = await page.EvaluateAsync<int>("() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth)");
        await page.SetViewportSizeAsync(BrowserFixture.Desktop.Width, BrowserFixture.Desktop.Height);

        // A child's link opens its page (in the page, no reload), which shows its parent and links back.
        await nodes.Nth(1).Locator("[data-testid=child-link]").ClickAsync();
        await Assertions.Expect(page.ByTestId("run-id")).ToHaveTextAsync(children[1]);
        await Assertions.Expect(page.ByTestId("run-status")).ToHaveTextAsync("succeeded");
        var childPath = new Uri(page.Url).AbsolutePath;
        var parentLink = await page.ByTestId("parent-link").TextContentAsync();
        var parentStep = await page.ByTestId("parent-step").TextContentAsync();
        var childHasChildren = await page.ByTestId("run-children").IsVisibleAsync();
        await page.ByTestId("parent-link").ClickAsync();
        await Assertions.Expect(page.ByTestId("run-id")).ToHaveTextAsync(parent);
        await Assertions.Expect(nodes).ToHaveCountAsync(3);
        var parentHasParent = await page.ByTestId("run-parent").IsVisibleAsync();

        // A deep link to a child, with its ID's "::" as it is and encoded, loads the page (the ID ends like a file name).
        var raw = await fixture.NewPageAsync();
        await raw.SignInAsync(User1);
        await raw.OpenRunAsync(children[2]);
        await Assertions.Expect(raw.ByTestId("run-id")).ToHaveTextAsync(children[2]);
        await Assertions.Expect(raw.ByTestId("parent-link")).ToHaveTextAsync(parent);
        await raw.OpenRunAsync(Uri.EscapeDataString(children[0]));
        await Assertions.Expect(raw.ByTestId("run-id")).ToHaveTextAsync(children[0]);
        await Assertions.Expect(raw.ByTestId("run-status")).ToHaveTextAsync("succeeded");

        foreach (var child in children)
        {
            var seen = statuses.Where(x => x.StartsWith($"{child}|", StringComparison.Ordinal)).Select(x => x[(child.Length + 1)..]).ToArray();
            Assert.Contains("running", seen);
            Assert.Equal("succeeded", seen[^1]);
            Assert.All(seen, x => Assert.Contains(x, (string[])["pending", "running", "succeeded"]));
        }

        Assert.Equal(children, ids);
        Assert.Equal(children.Select(c => $"/runs/{Uri.EscapeDataString(c)}"), hrefs);
        Assert.Equal(["bench", "bench", "bench"], agents);
        Assert.Equal(children, stepLinks); // the step's card names the children it started
        Assert.Equal(0, phoneOverflow);
        Assert.Equal($"/runs/{Uri.EscapeDataString(children[1])}", childPath);
        Assert.Equal(parent, parentLink);
        Assert.Equal("(step 0, depth 1)", parentStep);
        Assert.False(childHasChildren);
        Assert.False(parentHasParent);
    }

    [Fact]
    public async Task A_sleeping_runs_page_shows_when_it_wakes_with_a_countdown_and_a_sleeping_bar_and_cancelling_it_from_the_page_ends_it()
    {
        var runId = await fixture.StartRunAsync(User1, "bench", """{"steps":1,"sleepMs":600000}""");
        var page = await fixture.NewPageAsync();
        await page.SignInAsync(User1);
        await page.OpenRunAsync(runId);

        await page.ByTestId("run-sleeping").WaitForAsync();
        var run = await fixture.RunAsync(User1, runId);
        var until = run.GetProperty("sleepingUntil").GetDateTimeOffset();
        var shown = DateTimeOffset.Parse(await page.ByTestId("sleeping-until").GetAttributeAsync("datetime") ?? "", System.Globalization.CultureInfo.InvariantCulture);
        var text = await page.ByTestId("run-sleeping").InnerTextAsync();
        var countdown = await page.ByTestId("sleeping-countdown").TextContentAsync();
        await page.WaitForFunctionAsync("c => document.querySelector('[data-testid=sleeping-countdown]').textContent !== c", countdown, new() { Timeout = 5_000 });
        var bar = page.Locator("[data-testid=timeline-bar][data-step=\"0\"][data-state=waiting]");
        await bar.Locator("[data-testid=timeline-segment][data-kind=sleep]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        var barTitle = await page.Locator("[data-testid=timeline-bar][data-step=\"0\"] > title").TextContentAsync();
        var card = page.Locator("[data-testid=timeline] [data-testid=step][data-step=\"0\"]");
        var cardState = await card.Locator("[data-testid=step-state]").TextContentAsync();
        var cardLine = await card.Locator("[data-type=\"timer.started\"]").InnerTextAsync();
        Directory.CreateDirectory(BrowserFixture.ScreenshotDirectory);
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "sleeping-desktop.png"), FullPage = true });
        await page.SetViewportSizeAsync(BrowserFixture.Phone.Width, BrowserFixture.Phone.Height);
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "sleeping-phone.png"), FullPage = true });
        var phoneOverflow = await page.EvaluateAsync<int>("() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth)");

        await page.ByTestId("cancel").ClickAsync();
        await Assertions.Expect(page.ByTestId("run-status")).ToHaveTextAsync("cancelled");
        await Assertions.Expect(page.ByTestId("run-sleeping")).ToBeHiddenAsync();
        var after = await fixture.RunAsync(User1, runId);

        Assert.Equal(until.ToUnixTimeMilliseconds(), shown.ToUnixTimeMilliseconds());
        Assert.StartsWith("Sleeping until", text, StringComparison.Ordinal);
        Assert.Matches(@"^\(in (9|10) min( \d+ s)?\)$", countdown);
        Assert.Contains("Step 0: bench.sleep", barTitle, StringComparison.Ordinal);
        Assert.Contains("slept", barTitle, StringComparison.Ordinal);
        Assert.Equal("waiting", cardState);
        Assert.Contains("Sleeping until", cardLine, StringComparison.Ordinal);
        Assert.Equal(0, phoneOverflow);
        Assert.Equal("cancelled", after.GetProperty("status").GetString());
    }
}
