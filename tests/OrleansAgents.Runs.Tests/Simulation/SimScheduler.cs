using Microsoft.Extensions.Time.Testing;

namespace OrleansAgents.Runs.Tests.Simulation;

/// <summary>
/// Runs a whole simulated cluster on one thread, deterministically: every continuation is posted to the
/// <see cref="SimContext"/> of the activation (or actor) that awaited, and the scheduler picks the next one
/// to run at random from a seeded generator. When nothing is ready, the fake clock moves on and timers fire.
/// The same seed gives the same interleaving, so a failure replays from its seed.
/// </summary>
internal sealed class SimScheduler
{
    private readonly List<(SimContext Context, SendOrPostCallback Callback, object? State)> _ready = [];
    private int _thread;

    public SimScheduler(int seed)
    {
        Seed = seed;
        Random = new Random(seed);
    }

    public int Seed { get; }

    public Random Random { get; }

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    /// <summary>Work items run so far (a measure of a schedule's size).</summary>
    public long Steps { get; private set; }

    /// <summary>Errors thrown by a work item itself (not by an awaited task): each is a bug.</summary>
    public List<Exception> Crashes { get; } = [];

    public void Post(SimContext context, SendOrPostCallback callback, object? state)
    {
        AssertOnSchedulerThread();
        if (!context.IsDead)
        {
            _ready.Add((context, callback, state));
        }
    }

    /// <summary>Runs until <paramref name="done"/> or until the fake clock passes <paramref name="limit"/> from now.</summary>
    public bool RunUntil(Func<bool> done, TimeSpan limit)
    {
        _thread = Environment.CurrentManagedThreadId;
        var end = Clock.GetUtcNow() + limit;
        while (!done())
        {
            if (_ready.Count > 0)
            {
                var i = Random.Next(_ready.Count);
                var (context, callback, state) = _ready[i];
                _ready[i] = _ready[^1];
                _ready.RemoveAt(_ready.Count - 1);
                if (!context.IsDead)
                {
                    Execute(context, callback, state);
                }

                continue;
            }

            if (Clock.GetUtcNow() >= end)
            {
                return false;
            }

            // Nothing can run until time passes: timers (step bodies, backoffs, reminders, faults) fire in Advance.
            Clock.Advance(TimeSpan.FromMilliseconds(Random.Next(1, 25)));
        }

        return true;
    }

    /// <summary>Fails loudly when simulated code runs off the scheduler's thread: that would make it non-deterministic.</summary>
    public void AssertOnSchedulerThread()
    {
        if (_thread != 0 && Environment.CurrentManagedThreadId != _thread)
        {
            throw new InvalidOperationException("Simulated code ran on another thread: something escaped the deterministic scheduler.");
        }
    }

    private void Execute(SimContext context, SendOrPostCallback callback, object? state)
    {
        Steps++;
        var previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(context);
        try
        {
            callback(state);
        }
        catch (Exception ex)
        {
            Crashes.Add(ex);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }
    }
}
