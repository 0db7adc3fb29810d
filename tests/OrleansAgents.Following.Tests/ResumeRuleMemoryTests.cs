using System.Runtime.CompilerServices;
using OrleansAgents.Runs;

namespace OrleansAgents.Following.Tests;

public sealed class ResumeRuleMemoryTests
{
    [Fact]
    public async Task A_follower_waiting_live_holds_no_page_of_the_record()
    {
        var record = new OnePageRecord();
        var live = new CollectingLive(record);

        var seen = new List<RunEvent>();
        await foreach (var e in ResumeRule.FollowAsync(record, live, 0, new FollowSettings(500, TimeSpan.FromSeconds(1)), TestContext.Current.CancellationToken))
        {
            seen.Add(e);
        }

        Assert.Equal([1L, 2L, 3L], seen.Select(e => e.Seq));
        Assert.False(live.PageAliveWhileWaiting, "the page read from the record was still reachable while the follower waited live");
    }

    /// <summary>Returns two events once, in a list it keeps only a weak reference to.</summary>
    private sealed class OnePageRecord : IRunEventRecord
    {
        public WeakReference? Page { get; private set; }

        public Task<IReadOnlyList<RunEvent>> ReadAsync(long after, int limit, CancellationToken cancellationToken) =>
            Task.FromResult(after == 0 ? Remember(limit) : (IReadOnlyList<RunEvent>)[]);

        public Task<bool> EndedAtOrBeforeAsync(long after, CancellationToken cancellationToken) => Task.FromResult(false);

        [MethodImpl(MethodImplOptions.NoInlining)]
        private List<RunEvent> Remember(int limit)
        {
            var page = new List<RunEvent>(limit) { ScriptedRun.Event(1, 3), ScriptedRun.Event(2, 3) };
            Page = new WeakReference(page);
            return page;
        }
    }

    /// <summary>On the first wait, collects garbage and notes whether the page survived; then ends the run.</summary>
    private sealed class CollectingLive(OnePageRecord record) : ILiveRunEvents
    {
        public bool PageAliveWhileWaiting { get; private set; } = true;

        public bool Lagging => false;

        public ValueTask<RunEvent?> ReadAsync(TimeSpan idle, CancellationToken cancellationToken)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            PageAliveWhileWaiting = record.Page!.IsAlive;
            return ValueTask.FromResult<RunEvent?>(ScriptedRun.Event(3, 3));
        }

        public void Reset()
        {
        }

        public void Renew()
        {
        }
    }
}
