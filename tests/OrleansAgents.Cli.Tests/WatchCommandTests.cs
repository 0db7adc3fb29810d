using System.Globalization;

namespace OrleansAgents.Cli.Tests;

public sealed class WatchCommandTests(CliFixture fixture)
{
    private static async Task StartAsync(Oagents cli, string id, int steps, int stepMs)
    {
        var start = await cli.RunAsync("run", "start", "bench", "--input", $$"""{"steps":{{steps}},"stepMs":{{stepMs}}}""", "--run-id", id);
        Assert.True(start.ExitCode == 0, start.ToString());
    }

    [Fact]
    public async Task Watch_ARunToCompletion_ShowsEveryEventOnceInOrder_AndExitsZero()
    {
        var cli = fixture.Cli();
        var id = Json.NewRunId();
        await StartAsync(cli, id, steps: 4, stepMs: 100);

        var result = await cli.RunAsync("run", "watch", id, "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), Json.Seqs(result.Lines));
    }

    [Fact]
    public async Task Watch_InterruptedWithCtrlC_ThenRunAgain_ContinuesWithoutRepeatingOrMissingEvents()
    {
        var cli = fixture.Cli();
        var id = Json.NewRunId();
        // 12 s of run: the interrupt lands mid-run even when the test process is starved for a few seconds.
        await StartAsync(cli, id, steps: 12, stepMs: 1000);

        await using var first = cli.Start("run", "watch", id, "--json");
        await first.WaitForLineAsync(l => l.Contains("\"seq\":5,", StringComparison.Ordinal), Oagents.Timeout);
        await first.InterruptAsync();
        var interrupted = await first.WaitAsync(Oagents.Timeout);
        var second = await cli.RunAsync("run", "watch", id, "--json");

        Assert.True(interrupted.ExitCode == 130, interrupted.ToString());
        Assert.Contains("'oagents run watch", interrupted.Stderr, StringComparison.Ordinal);
        Assert.True(second.ExitCode == 0, second.ToString());
        var before = Json.Seqs(interrupted.Lines);
        var after = Json.Seqs(second.Lines);
        Assert.True(before.Count >= 5 && after.Count > 0, $"{interrupted}\n{second}");
        Assert.Equal(before[^1] + 1, after[0]);
        Assert.Equal(Enumerable.Range(1, 26).Select(i => (long)i), before.Concat(after));
    }

    [Fact]
    public async Task Watch_KilledMidRun_ThenRunAgain_ResumesAfterTheLastEventItShowed()
    {
        var cli = fixture.Cli();
        var id = Json.NewRunId();
        await StartAsync(cli, id, steps: 12, stepMs: 1000);

        await using var first = cli.Start("run", "watch", id);
        await first.WaitForLineAsync(l => l.TrimStart().StartsWith("#6 ", StringComparison.Ordinal), Oagents.Timeout);
        await WaitForStateAsync(cli, id, first);
        first.Kill();
        var killed = await first.WaitAsync(Oagents.Timeout);
        var second = await cli.RunAsync("run", "watch", id);

        var shown = killed.Lines.Where(l => l.StartsWith('#')).ToList();
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains($"Continuing after event {shown[^1].Split(' ')[0]}", second.Lines[0], StringComparison.Ordinal);
        var resumed = second.Lines.Where(l => l.StartsWith('#')).ToList();
        Assert.Equal(Enumerable.Range(1, 26).Select(i => $"#{i}"), shown.Concat(resumed).Select(l => l.Split(' ')[0]));
        Assert.StartsWith("#26 run succeeded", resumed[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watch_WithAfterOrFromStart_OverridesWhereTheLastWatchStopped()
    {
        var cli = fixture.Cli();
        var id = Json.NewRunId();
        await StartAsync(cli, id, steps: 2, stepMs: 0);
        Assert.Equal(0, (await cli.RunAsync("run", "watch", id, "--json")).ExitCode);

        var again = await cli.RunAsync("run", "watch", id);
        var after = await cli.RunAsync("run", "watch", id, "--after", "4", "--json");
        var all = await cli.RunAsync("run", "watch", id, "--from-start", "--json");

        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains($"Run {id} has ended succeeded", again.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(again.Lines, l => l.StartsWith('#'));
        Assert.Equal([5, 6], Json.Seqs(after.Lines));
        Assert.Equal([1, 2, 3, 4, 5, 6], Json.Seqs(all.Lines));
    }

    /// <summary>
    /// The state file records the last event shown right after printing it: kill only once it holds the last event
    /// printed so far (events arrive a second apart, so none is printed in between).
    /// </summary>
    private static async Task WaitForStateAsync(Oagents cli, string id, CliProcess watch)
    {
        for (var i = 0; i < 500; i++)
        {
            var printed = watch.Lines.Select(l => l.Trim()).Where(l => l.StartsWith('#')).Select(l => long.Parse(l[1..l.IndexOf(' ', StringComparison.Ordinal)], CultureInfo.InvariantCulture)).Max();
            try
            {
                var state = Json.Parse(await File.ReadAllTextAsync(cli.StateFile));
                var saved = state.EnumerateObject().Where(p => p.Name.EndsWith("|" + id, StringComparison.Ordinal)).Select(p => p.Value.GetProperty("seq").GetInt64()).FirstOrDefault();
                if (saved == printed)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is IOException or System.Text.Json.JsonException)
            {
            }

            await Task.Delay(10);
        }

        throw new TimeoutException("the watch state file never caught up with the output");
    }
}
