using System.Threading.Tasks.Sources;
using OrleansAgents.Runs;

namespace OrleansAgents.Following;

/// <summary>
/// One follower's live events: a bounded buffer that flags overflow instead of growing or blocking the feed.
/// Subclasses say how to renew the watch that fills it.
/// </summary>
/// <remarks>
/// A front end holds one of these per client for as long as the client stays (10,000 at a time in E2), almost all
/// of them waiting, so waiting costs no allocation: the buffer is its own single reader's awaitable
/// (<see cref="IValueTaskSource{TResult}"/>), its idle time is one timer made once and moved along (not a timer and a
/// linked token source per wait), and a cancellation is a registration on the caller's token. A
/// <c>System.Threading.Channels</c> bounded channel did the same with about 1 KiB more per follower.
/// </remarks>
public abstract class LiveEventBuffer : ILiveRunEvents, IValueTaskSource<RunEvent?>
{
    /// <summary>Not an event: <see cref="MarkBehind"/>'s wake-up, read as silence.</summary>
    private static readonly RunEvent Behind = new("", -1, "", DateTimeOffset.MinValue, "");
    private static readonly RunEvent[] BehindOnly = [Behind];

    /// <summary>The events not yet read; also the lock for every field below (one object less per follower).</summary>
    private readonly Queue<RunEvent> _events = new();
    private readonly int _capacity;
    private ManualResetValueTaskSourceCore<RunEvent?> _wait = new() { RunContinuationsAsynchronously = true };
    private bool _waiting;
    private CancellationToken _waitToken;
    private CancellationTokenRegistration _cancellation;

    /// <summary>When the current wait ends in silence (<see cref="Environment.TickCount64"/>).</summary>
    private long _deadline;
    private ITimer? _timer;

    /// <summary>When <see cref="_timer"/> fires next, or <see cref="long.MaxValue"/> when it is not set.</summary>
    private long _timerDue = long.MaxValue;
    private bool _completed;
    private volatile bool _lagging;

    private readonly bool _readerInline;

    /// <param name="capacity">Events held for the reader before the buffer overflows.</param>
    /// <param name="readerInline">
    /// Whether <see cref="Offer"/> runs a waiting reader's continuation on the offering thread (up to the reader's next
    /// wait) instead of queueing it to the thread pool: for a feed that offers one commit to many buffers, as a front
    /// end's hub does, so a commit's fan-out costs no thread-pool hop per follower. The reader must not block.
    /// </param>
    protected LiveEventBuffer(int capacity, bool readerInline = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _readerInline = readerInline;
    }

    /// <inheritdoc />
    public bool Lagging => _lagging;

    /// <summary>Adds live events; when the buffer is full the rest are dropped and <see cref="Lagging"/> is set.</summary>
    public void Offer(IReadOnlyList<RunEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        Add(events, _readerInline);
    }

    /// <summary>
    /// Wakes the follower as if its feed had gone silent: the feed knows it missed something (the record holds more
    /// than it delivered), so the follower renews the watch and reads the record now rather than after its idle time.
    /// A full buffer is only marked lagging: the follower reads the record at its next event anyway.
    /// </summary>
    public void MarkBehind() => Add(BehindOnly, inline: false);

    /// <inheritdoc />
    /// <remarks>One reader at a time: the follower reads, handles the event, then reads again.</remarks>
    public ValueTask<RunEvent?> ReadAsync(TimeSpan idle, CancellationToken cancellationToken)
    {
        lock (_events)
        {
            if (_events.TryDequeue(out var ready))
            {
                return new ValueTask<RunEvent?>(Real(ready));
            }

            if (_completed)
            {
                return new ValueTask<RunEvent?>((RunEvent?)null);
            }

            if (_waiting)
            {
                throw new InvalidOperationException("A live event buffer has one reader, and it is already waiting.");
            }

            cancellationToken.ThrowIfCancellationRequested();
            _wait.Reset();
            _waiting = true;
            _waitToken = cancellationToken;
            _deadline = idle == Timeout.InfiniteTimeSpan ? long.MaxValue : Environment.TickCount64 + (long)Math.Ceiling(idle.TotalMilliseconds);
            if (_timerDue > _deadline)
            {
                // A timer due later (or none) must come sooner; one due sooner finds the wait still running and moves on.
                var dueIn = TimeSpan.FromMilliseconds(Math.Max(0, _deadline - Environment.TickCount64));
                if (_timer is null)
                {
                    using (ExecutionContext.SuppressFlow()) // the timer outlives this wait: it must not hold the first reader's context
                    {
                        _timer = TimeProvider.System.CreateTimer(static state => ((LiveEventBuffer)state!).OnTimer(), this, dueIn, Timeout.InfiniteTimeSpan);
                    }
                }
                else
                {
                    _timer.Change(dueIn, Timeout.InfiniteTimeSpan);
                }

                _timerDue = _deadline;
            }

            // Under the lock: a token cancelled meanwhile runs the callback here, which takes the lock again (it is reentrant).
            _cancellation = cancellationToken.UnsafeRegister(static (state, token) => ((LiveEventBuffer)state!).OnCanceled(token), this);
            return new ValueTask<RunEvent?>(this, _wait.Version);
        }
    }

    /// <inheritdoc />
    public void Reset()
    {
        lock (_events)
        {
            _lagging = false;
            _events.Clear();
            _events.TrimExcess(); // a burst that filled the buffer must not keep its array for the follower's lifetime
        }
    }

    /// <inheritdoc />
    public abstract void Renew();

    RunEvent? IValueTaskSource<RunEvent?>.GetResult(short token) => _wait.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<RunEvent?>.GetStatus(short token) => _wait.GetStatus(token);

    void IValueTaskSource<RunEvent?>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _wait.OnCompleted(continuation, state, token, flags);

    /// <summary>No more events will be offered (the follower left); a waiting read ends as silence.</summary>
    protected void Complete()
    {
        lock (_events)
        {
            _completed = true;
            _timer?.Dispose();
            _timer = null;
            _timerDue = long.MaxValue;
            if (_waiting)
            {
                EndWait(null);
            }
        }
    }

    private static RunEvent? Real(RunEvent e) => ReferenceEquals(e, Behind) ? null : e;

    /// <summary>
    /// Queues <paramref name="events"/> (the rest dropped, and <see cref="Lagging"/> set, once full) and hands the
    /// oldest to a waiting reader, outside the lock: on this thread up to the reader's next wait when
    /// <paramref name="inline"/>, an inline reader reading again (and taking the lock) before this returns.
    /// </summary>
    private void Add(IReadOnlyList<RunEvent> events, bool inline)
    {
        bool wake;
        RunEvent? first = null;
        lock (_events)
        {
            foreach (var e in events)
            {
                if (_completed || _events.Count >= _capacity)
                {
                    _lagging = true;
                    break;
                }

                _events.Enqueue(e);
            }

            // The reader gets the first event; the rest wait in the queue, where its next reads find them.
            wake = _waiting && _events.Count > 0;
            if (wake)
            {
                first = Real(_events.Dequeue());
                StopWaiting();
            }
        }

        if (wake)
        {
            _wait.RunContinuationsAsynchronously = !inline;
            _wait.SetResult(first);
        }
    }

    /// <summary>Under the lock: ends the wait with <paramref name="result"/> (the reader continues on the thread pool).</summary>
    private void EndWait(RunEvent? result)
    {
        StopWaiting();
        _wait.RunContinuationsAsynchronously = true;
        _wait.SetResult(result);
    }

    /// <summary>Under the lock: the wait is over; its timer and cancellation find nothing to end.</summary>
    private void StopWaiting()
    {
        _waiting = false;
        _waitToken = default;
        _cancellation.Unregister(); // not Dispose: that would wait for a callback that is waiting for this lock
        _cancellation = default;
    }

    private void OnTimer()
    {
        lock (_events)
        {
            _timerDue = long.MaxValue;
            if (!_waiting || _timer is null)
            {
                return;
            }

            var left = _deadline - Environment.TickCount64;
            if (left <= 0)
            {
                EndWait(null);
                return;
            }

            // The wait began after this timer was set: move it to this wait's deadline.
            _timer.Change(TimeSpan.FromMilliseconds(left), Timeout.InfiniteTimeSpan);
            _timerDue = _deadline;
        }
    }

    private void OnCanceled(CancellationToken token)
    {
        lock (_events)
        {
            if (!_waiting || _waitToken != token)
            {
                return; // a registration of an earlier wait, with another token
            }

            _waiting = false;
            _waitToken = default;
            _cancellation = default;
            _wait.RunContinuationsAsynchronously = true;
            _wait.SetException(new OperationCanceledException(token));
        }
    }
}
