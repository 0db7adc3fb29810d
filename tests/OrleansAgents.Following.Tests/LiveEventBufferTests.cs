using System.Diagnostics;
using OrleansAgents.Runs;

namespace OrleansAgents.Following.Tests;

public sealed class LiveEventBufferTests
{
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(1);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static RunEvent Event(long seq) => ScriptedRun.Event(seq, 100);

    [Fact]
    public async Task Events_offered_before_and_while_the_follower_waits_reach_it_once_and_in_order()
    {
        var buffer = new TestBuffer(8);
        buffer.Offer([Event(1), Event(2)]);
        Assert.Equal(1, (await buffer.ReadAsync(Long, Token))!.Seq);
        Assert.Equal(2, (await buffer.ReadAsync(Long, Token))!.Seq);

        var waiting = buffer.ReadAsync(Long, Token);
        Assert.False(waiting.IsCompleted);
        buffer.Offer([Event(3), Event(4)]);
        Assert.Equal(3, (await waiting)!.Seq);
        Assert.Equal(4, (await buffer.ReadAsync(Long, Token))!.Seq);
        Assert.False(buffer.Lagging);
    }

    [Fact]
    public async Task A_buffer_that_runs_its_reader_inline_hands_a_commit_to_it_on_the_offering_thread_before_Offer_returns()
    {
        // As the front end's hub offers a commit to each follower: no thread-pool hop per follower.
        var buffer = new TestBuffer(8, readerInline: true);
        var read = new List<(long Seq, int Thread)>();
        var reading = ReadAsync(4);
        Assert.Empty(read);

        buffer.Offer([Event(1), Event(2)]);
        var offering = Environment.CurrentManagedThreadId;
        Assert.Equal([(1L, offering), (2L, offering)], read); // the reader read both and waits again

        buffer.Offer([Event(3), Event(4)]);
        await reading;
        Assert.Equal([1L, 2L, 3L, 4L], read.Select(r => r.Seq));

        // A wait that ends otherwise (here, cancelled) still continues on the thread pool, not inside the call that ends it.
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var waiting = buffer.ReadAsync(Long, cancel.Token).AsTask();
        var cancelling = Environment.CurrentManagedThreadId;
        var insideCancel = false;
        var ranInsideCancel = waiting.ContinueWith(
            _ => insideCancel && Environment.CurrentManagedThreadId == cancelling, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        insideCancel = true;
        cancel.Cancel(); // on this thread: the buffer's cancellation callback runs inside this call
        insideCancel = false;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.False(await ranInsideCancel);

        async Task ReadAsync(int count)
        {
            for (var i = 0; i < count; i++)
            {
                var e = await buffer.ReadAsync(Long, Token);
                read.Add((e!.Seq, Environment.CurrentManagedThreadId));
            }
        }
    }

    [Fact]
    public async Task A_full_buffer_drops_the_rest_and_says_so_until_the_follower_resets_it()
    {
        var buffer = new TestBuffer(2);
        buffer.Offer([Event(1), Event(2), Event(3)]);

        Assert.True(buffer.Lagging);
        Assert.Equal(1, (await buffer.ReadAsync(Long, Token))!.Seq);
        buffer.Reset();
        Assert.False(buffer.Lagging);
        buffer.Offer([Event(4)]);
        Assert.Equal(4, (await buffer.ReadAsync(Long, Token))!.Seq);
    }

    [Fact]
    public async Task Silence_ends_a_wait_after_the_idle_time_and_not_before()
    {
        var buffer = new TestBuffer(8);
        for (var i = 0; i < 3; i++)
        {
            var clock = Stopwatch.StartNew();
            Assert.Null(await buffer.ReadAsync(TimeSpan.FromMilliseconds(100), Token));
            Assert.InRange(clock.ElapsedMilliseconds, 90, 5_000);
        }

        // A long wait after short ones is not ended by the timer the short ones set.
        var waiting = buffer.ReadAsync(Long, Token);
        await Task.Delay(300, Token);
        Assert.False(waiting.IsCompleted);
        buffer.Offer([Event(1)]);
        Assert.Equal(1, (await waiting)!.Seq);

        // Nor does an earlier long wait delay a short one.
        var clock2 = Stopwatch.StartNew();
        Assert.Null(await buffer.ReadAsync(TimeSpan.FromMilliseconds(100), Token));
        Assert.InRange(clock2.ElapsedMilliseconds, 90, 5_000);
    }

    [Fact]
    public async Task Being_marked_behind_wakes_a_waiting_follower_as_if_the_feed_had_gone_silent()
    {
        var buffer = new TestBuffer(8);
        var waiting = buffer.ReadAsync(Long, Token);

        buffer.MarkBehind();

        Assert.Null(await waiting);
        Assert.False(buffer.Lagging);
    }

    [Fact]
    public async Task Cancelling_a_waiting_follower_ends_its_wait_with_OperationCanceledException_and_the_buffer_reads_on()
    {
        var buffer = new TestBuffer(8);
        using var leave = new CancellationTokenSource();
        var waiting = buffer.ReadAsync(Long, leave.Token);

        await leave.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await waiting);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await buffer.ReadAsync(Long, leave.Token));
        buffer.Offer([Event(1)]);
        Assert.Equal(1, (await buffer.ReadAsync(Long, Token))!.Seq);
    }

    [Fact]
    public async Task A_follower_that_leaves_is_woken_as_silence_and_nothing_is_offered_to_it_any_more()
    {
        var buffer = new TestBuffer(8);
        var waiting = buffer.ReadAsync(Long, Token);

        buffer.Leave();

        Assert.Null(await waiting);
        Assert.Null(await buffer.ReadAsync(Long, Token));
        buffer.Offer([Event(1)]);
        Assert.True(buffer.Lagging);
    }

    [Fact]
    public async Task A_waiting_follower_holds_a_few_hundred_bytes_not_a_channel_and_a_timer_for_each_wait()
    {
        // The front end keeps one buffer per client, nearly all of them waiting; 10,000 at a time in E2. With a bounded
        // channel, a linked token source and a timer per wait this measured about 1,530 bytes each; now about 460.
        const int Followers = 2_000;
        using var leave = new CancellationTokenSource();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var buffers = new TestBuffer[Followers];
        var waits = new ValueTask<RunEvent?>[Followers];
        for (var i = 0; i < Followers; i++)
        {
            buffers[i] = new TestBuffer(512);
            buffers[i].Offer([Event(1)]); // a follower has had events: its queue has its array
            await buffers[i].ReadAsync(Long, leave.Token);
#pragma warning disable CA2012 // kept to be awaited once, below: a Task per wait would be measured with the buffers
            waits[i] = buffers[i].ReadAsync(Long, leave.Token);
#pragma warning restore CA2012
        }

        var perFollower = (GC.GetTotalMemory(forceFullCollection: true) - before) / (double)Followers;
        GC.KeepAlive(buffers);
        await leave.CancelAsync();
        foreach (var wait in waits)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await wait);
        }

        Assert.InRange(perFollower, 0, 800);
    }
}
