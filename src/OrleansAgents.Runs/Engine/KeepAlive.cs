using Microsoft.Extensions.Logging;

namespace OrleansAgents.Runs.Engine;

/// <summary>
/// Keeps a running run's activation from idle collection (a step may outlast the collection age) with a
/// timer, and registers the keep-alive reminder once the run outlives <see cref="RunOptions.ReminderDelay"/>:
/// short runs never write one; if their silo dies first, dead-silo recovery and the start-up sweep wake
/// them from the runs table. A waiting or finished run holds neither.
/// </summary>
internal sealed class KeepAlive(IRunHost host, RunOptions options, ILogger logger) : IDisposable
{
    private static readonly TimeSpan TimerPeriod = TimeSpan.FromSeconds(10);

    private IDisposable? _timer;
    private bool _registered;
    private bool _mayExist;
    private bool _stopped;
    private Task _registration = Task.CompletedTask;

    /// <summary>An earlier activation may have registered the reminder: this one must not lose track of it.</summary>
    public void MayExist() => _mayExist = true;

    /// <summary>Starts the timer (once per loop); the reminder follows after the delay.</summary>
    public void Start()
    {
        _stopped = false;
        _timer ??= host.StartTimer(EnsureRegisteredAsync, options.ReminderDelay, TimerPeriod);
    }

    /// <summary>Stops the timer and drops the reminder (the run waits or has ended).</summary>
    public async Task StopAsync()
    {
        _stopped = true;
        _timer?.Dispose();
        _timer = null;
        try
        {
            await _registration;
            if (_registered || _mayExist)
            {
                await host.UnregisterReminderAsync(_registered);
            }

            _registered = false;
            _mayExist = false;
        }
        catch (Exception ex)
        {
            // The reminder service may be rebalancing after a silo died. Its next tick finds the run
            // waiting or finished and drops it then.
            Log.ReminderCleanupDeferred(logger, host.RunId, ex.Message);
        }
    }

    /// <summary>
    /// The run waits durably (a timer, child runs): no timer keeps the activation, and the reminder wakes it after
    /// <paramref name="wakeIn"/> (a timer's time), then every period as the backstop; with no <paramref name="wakeIn"/>
    /// the backstop alone, which a registered keep-alive reminder already is (no write then). Throws when the reminder
    /// cannot be registered: the run must not wait without one.
    /// </summary>
    public async Task SuspendAsync(TimeSpan? wakeIn)
    {
        _timer?.Dispose();
        _timer = null;
        await _registration;
        if (wakeIn is null && _registered)
        {
            _stopped = false;
            return;
        }

        var due = wakeIn ?? options.ReminderPeriod;
        await host.RegisterReminderAsync(due < TimeSpan.Zero ? TimeSpan.Zero : due, options.ReminderPeriod);
        _registered = true;
        _stopped = false;
    }

    /// <summary>Stops the timer without touching the reminder (the activation is going away; the reminder stays the backstop).</summary>
    public void Dispose()
    {
        _timer?.Dispose();
        _timer = null;
    }

    private Task EnsureRegisteredAsync()
    {
        if (_registered || _stopped)
        {
            return Task.CompletedTask;
        }

        _registration = RegisterAsync();
        return _registration;

        async Task RegisterAsync()
        {
            try
            {
                await host.RegisterReminderAsync(options.ReminderPeriod, options.ReminderPeriod);
                _registered = true;
            }
            catch (Exception ex)
            {
                // The reminder service may be rebalancing after a silo died: the next tick tries again.
                Log.ReminderRegistrationDeferred(logger, host.RunId, ex.Message);
            }
        }
    }
}
