using System.Text.Json;
using Microsoft.Playwright;

namespace OrleansAgents.Browser.Tests;

/// <summary>What a person does on the page, and what the tests read back from it.</summary>
internal static class PageSteps
{
    public static ILocator ByTestId(this IPage page, string id) => page.Locator($"[data-testid=\"{id}\"]");

    public static async Task SignInAsync(this IPage page, string key)
    {
        await page.GotoAsync("/");
        await page.ByTestId("api-key").FillAsync(key);
        await page.ByTestId("sign-in").ClickAsync();
        await page.ByTestId("runs-view").WaitForAsync();
    }

    /// <summary>Signs in on a deep link (the page shows sign-in first, then the linked view).</summary>
    public static async Task OpenRunAsync(this IPage page, string runId)
    {
        await page.GotoAsync($"/runs/{runId}");
        await page.ByTestId("run-view").WaitForAsync();
    }

    public static async Task WaitForConnectionAsync(this IPage page, string state, float timeoutMs = 60_000) =>
        await page.Locator($"[data-testid=\"connection\"][data-state=\"{state}\"]").WaitForAsync(new() { Timeout = timeoutMs });

    public static async Task WaitForLastSeqAsync(this IPage page, long atLeast, float timeoutMs = 60_000) =>
        await page.WaitForFunctionAsync(
            "n => Number(document.querySelector('[data-testid=run-view]').dataset.lastSeq || 0) >= n",
            atLeast,
            new() { Timeout = timeoutMs });

    /// <summary>The seq of every timeline element that shows a committed event, in document order.</summary>
    public static async Task<long[]> ShownSeqsAsync(this IPage page)
    {
        var seqs = await page.Locator("[data-testid=timeline] [data-seq]").EvaluateAllAsync<string[]>("els => els.map(e => e.dataset.seq)");
        return [.. seqs.Select(s => long.Parse(s, System.Globalization.CultureInfo.InvariantCulture))];
    }

    /// <summary>The step index of every step entry in the timeline, in document order.</summary>
    public static async Task<int[]> ShownStepsAsync(this IPage page)
    {
        var steps = await page.Locator("[data-testid=timeline] [data-testid=step]").EvaluateAllAsync<string[]>("els => els.map(e => e.dataset.step)");
        return [.. steps.Select(s => int.Parse(s, System.Globalization.CultureInfo.InvariantCulture))];
    }

    /// <summary>
    /// The timeline shows each committed event exactly once (no duplicate, none missing) and one entry per
    /// started step, against the record from GET /api/runs/{id}/events. Drafts of streamed text
    /// (<c>step.delta</c>) are not entries: they are their step's text until its result replaces it.
    /// </summary>
    public static async Task AssertTimelineMatchesAsync(this IPage page, IReadOnlyList<JsonElement> record)
    {
        var shown = await page.ShownSeqsAsync();
        var expectedSeqs = record.Where(e => e.GetProperty("type").GetString() != "step.delta").Select(e => e.GetProperty("seq").GetInt64()).ToArray();
        Assert.Equal(shown.Length, shown.Distinct().Count());
        Assert.Equal(expectedSeqs, shown.Order().ToArray());

        var startedSteps = record.Where(e => e.GetProperty("type").GetString() == "step.started")
            .Select(e => e.GetProperty("data").GetProperty("step").GetInt32()).Distinct().Order().ToArray();
        var steps = await page.ShownStepsAsync();
        Assert.Equal(startedSteps, steps.Order().ToArray());
        Assert.Equal(steps.Length, steps.Distinct().Count());
    }
}
