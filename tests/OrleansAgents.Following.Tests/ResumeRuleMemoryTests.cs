using System.Runtime.CompilerServices;
using OrleansAgents.Runs;

namespace OrleansAgents.Following.Tests;

public sealed class ResumeRuleMemoryTests
{
    [Fact]
    public async Task A_follower_waiting_live_holds_no_page_of_the_record()
    {
        var record = new OnePageRecord();
        var live = new PendingLive();
        await using var follower = ResumeRule.FollowAsync(record, live, 0, new FollowSettings(500, TimeSpan.FromSeconds(1)), TestContext.Current.CancellationToken)
            .GetAsyncEnumerator(TestContext.Current.CancellationToken);

        Assert.True(await follower.MoveNextAsync());
        Assert.Equal(1, follower.Current.Seq);
        Assert.True(await follower.MoveNextAsync());
        Assert.Equal(2, follower.Current.Seq);

        // The follower reads the record, then waits live: suspended, as a front end's followers are for hours. What
        // it still holds is what its state machine holds (checked from here, not from inside its own call, where the
        // JIT may report a dead local of the caller's frame as live).
        var third = follower.MoveNextAsync();
        Assert.False(third.IsCompleted, "the follower should be waiting for a live event");
        Assert.False(PageSurvivesCollection(record), "the page read from the record was still reachable while the follower waited live");

        live.Send(ScriptedRun.Event(3, 3));
        Assert.True(await third);
        Assert.Equal(3, follower.Current.Seq);
        Assert.False(await follower.MoveNextAsync());
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool PageSurvivesCollection(OnePageRecord record)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return record.Page!.IsAlive;
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

    /// <summary>A live feed whose one read waits until the test sends the event.</summary>
    private sealed class PendingLive : ILiveRunEvents
    {
        private readonly TaskCompletionSource<RunEvent?> _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Lagging => false;

        public ValueTask<RunEvent?> ReadAsync(TimeSpan idle, CancellationToken cancellationToken) => new(_next.Task);

        public void Send(RunEvent e) => _next.SetResult(e);

        public void Reset()
        {
        }

        public void Renew()
        {
        }
    }
}
