using OrleansAgents.Runs;

namespace OrleansAgents.Following.Tests;

public sealed class ResumeRuleTests
{
    private static readonly FollowSettings Settings = new(PageSize: 4, IdleCheck: TimeSpan.FromMilliseconds(1));

    private static async Task<List<RunEvent>> FollowAsync(ScriptedRun run, long after, FollowSettings? settings = null)
    {
        var seen = new List<RunEvent>();
        await foreach (var e in ResumeRule.FollowAsync(run, run, after, settings ?? Settings, TestContext.Current.CancellationToken))
        {
            seen.Add(e);
        }

        return seen;
    }

    [Fact]
    public async Task From_any_starting_point_every_later_event_arrives_once_and_in_order_whatever_the_live_feed_loses_repeats_reorders_or_stalls()
    {
        const int Length = 23;
        for (var seed = 0; seed < 300; seed++)
        {
            for (var after = 0; after < Length; after++)
            {
                var run = new ScriptedRun(Length, seed);
                run.CommitThrough(seed % 3 == 0 ? after : seed % Length); // the follower may be ahead of, or behind, the record

                var seen = await FollowAsync(run, after);

                Assert.Equal(Enumerable.Range(after + 1, Length - after).Select(i => (long)i), seen.Select(e => e.Seq));
                Assert.Equal(RunEventTypes.RunSucceeded, seen[^1].Type);
            }
        }
    }

    [Fact]
    public async Task A_follower_that_already_has_the_terminal_event_ends_at_once_without_reading_or_waiting()
    {
        var run = new ScriptedRun(5, seed: 1);
        run.CommitThrough(5);

        var seen = await FollowAsync(run, 5);

        Assert.Empty(seen);
        Assert.Equal(0, run.LiveReads);
        Assert.Equal(0, run.RecordReads);
    }

    [Fact]
    public async Task An_ended_run_read_from_the_start_comes_from_the_record_page_by_page_and_ends_with_its_terminal_event()
    {
        var run = new ScriptedRun(10, seed: 2);
        run.CommitThrough(10);

        var seen = await FollowAsync(run, 0, Settings with { PageSize = 3 });

        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), seen.Select(e => e.Seq));
        Assert.Equal(4, run.RecordReads); // 3 + 3 + 3 + 1
        Assert.Equal(0, run.LiveReads);
    }

    [Fact]
    public async Task Silence_on_the_live_feed_renews_the_watch_and_reads_the_record_again()
    {
        var run = new ScriptedRun(40, seed: 3);

        await FollowAsync(run, 0);

        Assert.True(run.Renewals > 0);
        Assert.True(run.RecordReads > 1);
    }
}
