using OrleansAgents.Agents;
using OrleansAgents.Runs.Engine;

namespace OrleansAgents.Runs.Tests.Simulation;

/// <summary>
/// What Orleans and the silos do around runs, simulated: a directory routes calls to one activation per run
/// (activating on demand), activations die, deactivate and are woken again, a dead silo's runs are woken by
/// recovery, reminders tick, retention removes finished runs, and now and then a run gets a second,
/// racing activation. Every activation is a silo of its own, so killing it is a silo's death.
/// </summary>
internal sealed class SimCluster
{
    private readonly Dictionary<string, List<SimActivation>> _live = new(StringComparer.Ordinal);
    private readonly HashSet<string> _everRacing = new(StringComparer.Ordinal);
    private int _activations;

    public SimCluster(SimScheduler scheduler, SimOptions options)
    {
        Scheduler = scheduler;
        Options = options;
        Db = new SimDatabase(scheduler);
        var agent = new SimAgent(this);
        Agents = agent;
        Context = new SimContext(scheduler, "cluster");
    }

    public SimScheduler Scheduler { get; }

    public SimOptions Options { get; }

    public SimDatabase Db { get; }

    public IAgentSource Agents { get; }

    /// <summary>The runtime's own context (recovery, reminders, retention): it never dies.</summary>
    public SimContext Context { get; }

    /// <summary>Faults happen only while this is on; afterwards the cluster is quiet and every run must end.</summary>
    public bool FaultsOn { get; set; }

    public IEnumerable<SimActivation> Live => _live.Values.SelectMany(l => l);

    public bool HasRacingActivations(string runId) => _everRacing.Contains(runId);

    public IReadOnlyList<SimActivation> LiveOf(string runId) => _live.TryGetValue(runId, out var list) ? list : [];

    public CommitFault CommitFault()
    {
        if (!FaultsOn)
        {
            return Simulation.CommitFault.None;
        }

        var roll = Scheduler.Random.Next(100);
        return roll < 3 ? Simulation.CommitFault.AckLost : roll < 5 ? Simulation.CommitFault.DieAfterCommit : Simulation.CommitFault.None;
    }

    public Task HopAsync() => Task.Delay(TimeSpan.FromMilliseconds(Scheduler.Random.Next(0, 6)), Scheduler.Clock);

    public void ThrowIfDown()
    {
        if (Db.IsDown)
        {
            throw new TimeoutException("simulated: PostgreSQL is unreachable");
        }
    }

    /// <summary>A grain call, routed as the directory says; like Orleans, it times out when nothing answers.</summary>
    public async Task<T> CallAsync<T>(string runId, Func<RunEngine, Task<T>> call, bool interleave = false)
    {
        // The directory knows one activation per run; a racing duplicate is never routed to.
        var activation = LiveOf(runId).FirstOrDefault(a => !a.Racing) ?? Activate(runId, racing: false);
        var answer = activation.InvokeAsync(call, interleave);
        if (await Task.WhenAny(answer, Task.Delay(Options.CallTimeout, Scheduler.Clock)) != answer)
        {
            throw new TimeoutException($"simulated: {activation.Name} did not answer in {Options.CallTimeout}");
        }

        return await answer;
    }

    public Task CallAsync(string runId, Func<RunEngine, Task> call) =>
        CallAsync(runId, async engine =>
        {
            await call(engine);
            return true;
        });

    /// <summary>A second activation of a run that has one: Orleans' rare duplicate, both loops running.</summary>
    public void StartRacingActivation(string runId)
    {
        if (LiveOf(runId) is [{ Racing: false, Deactivating: false }])
        {
            _everRacing.Add(runId);
            Db.Disrupted(runId);
            var racing = Activate(runId, racing: true);
            Db.Note($"{runId} racing activation {racing.Name} next to {LiveOf(runId)[0].Name}");
            // Only its own turns drive it: recovery's wake, its loop, its timers.
            _ = racing.InvokeAsync(async engine =>
            {
                await engine.WakeAsync();
                return true;
            }, interleave: false);
        }
    }

    public void Kill(SimActivation activation, string why)
    {
        if (activation.IsDead)
        {
            return;
        }

        Db.Note($"{activation.RunId} killed {activation.Name} ({why})");
        Db.Disrupted(activation.RunId);
        activation.Kill();
        Remove(activation);

        // Dead-silo recovery: once membership declares the silo dead, survivors wake its unfinished runs.
        var runId = activation.RunId;
        Context.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromMilliseconds(Scheduler.Random.Next(800, 2000)), Scheduler.Clock);
            if (Db.Runs.TryGetValue(runId, out var row) && row.Silo == activation.Name && row.Status is RunStatus.Pending or RunStatus.Running)
            {
                await WakeAsync(runId, "dead-silo recovery");
            }
        });
    }

    /// <summary>The activation asked to be let go: it deactivates after its current call.</summary>
    public void Deactivate(SimActivation activation)
    {
        if (activation.Deactivating || activation.IsDead)
        {
            Db.Note($"{activation.RunId} {activation.Name} asked to deactivate again (deactivating {activation.Deactivating}, dead {activation.IsDead})");
            return;
        }

        activation.Deactivating = true;
        Db.Note($"{activation.RunId} deactivating {activation.Name}");
        Db.Disrupted(activation.RunId);
        Context.Run(async () =>
        {
            try
            {
                await activation.DeactivateAsync();
            }
            catch (Exception)
            {
                // Deactivation errors are the runtime's problem, not the run's: the activation goes anyway.
            }

            Remove(activation);
            activation.Kill();
            Db.Note($"{activation.RunId} deactivated {activation.Name}");
            Db.Disrupted(activation.RunId);
        });
    }

    public void ScheduleWake(string runId, string why) => Context.Run(async () =>
    {
        await Task.Delay(TimeSpan.FromMilliseconds(100), Scheduler.Clock);
        await WakeAsync(runId, why);
    });

    /// <summary>Runs in the background of the runtime: reminders and retention.</summary>
    public void StartServices()
    {
        Context.Run(async () =>
        {
            while (true)
            {
                await Task.Delay(Options.Runs.ReminderPeriod, Scheduler.Clock);
                foreach (var runId in Db.Reminders.Keys.ToList())
                {
                    _ = TryCallAsync(runId, engine => engine.OnReminderAsync());
                }
            }
        });
        Context.Run(async () =>
        {
            while (true)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), Scheduler.Clock);
                var cutoff = Scheduler.Clock.GetUtcNow() - Options.Retention;
                foreach (var (runId, row) in Db.Runs.Where(r => r.Value.Status.IsTerminal() && r.Value.UpdatedAt < cutoff).ToList())
                {
                    _ = ExpireAsync(runId, cutoff);
                }
            }
        });
    }

    private async Task ExpireAsync(string runId, DateTimeOffset cutoff)
    {
        try
        {
            if (await CallAsync(runId, engine => engine.ExpireAsync(cutoff)))
            {
                Db.Expiries.Add((runId, Db.NextOrder()));
                Db.Note($"{runId} expired");
            }
        }
        catch (Exception)
        {
            // The next sweep tries again.
        }
    }

    /// <summary>As recovery does: with exponential backoff (100 ms to 5 s) until it works or a minute has passed.</summary>
    private async Task WakeAsync(string runId, string why)
    {
        var delay = TimeSpan.FromMilliseconds(100);
        for (var waited = TimeSpan.Zero; waited < TimeSpan.FromMinutes(1); waited += delay, delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks)))
        {
            if (await TryCallAsync(runId, engine => engine.WakeAsync()))
            {
                Db.Note($"{runId} woken ({why})");
                return;
            }

            await Task.Delay(delay, Scheduler.Clock);
        }

        Db.Note($"{runId} could not be woken ({why})");
    }

    private async Task<bool> TryCallAsync(string runId, Func<RunEngine, Task> call)
    {
        try
        {
            await CallAsync(runId, call);
            return true;
        }
        catch (Exception)
        {
            return false;
        }
    }

    private SimActivation Activate(string runId, bool racing)
    {
        var activation = new SimActivation(this, runId, $"a{++_activations}", racing);
        if (!_live.TryGetValue(runId, out var list))
        {
            _live[runId] = list = [];
        }

        list.Add(activation);
        Db.Note($"{runId} activating {activation.Name}");
        activation.Activate();
        Context.Run(async () =>
        {
            try
            {
                await activation.Ready;
            }
            catch (Exception)
            {
                // An activation that fails to load (PostgreSQL down) is dropped; the next call activates anew.
                Remove(activation);
                activation.Kill();
            }
        });
        return activation;
    }

    private void Remove(SimActivation activation)
    {
        if (_live.TryGetValue(activation.RunId, out var list))
        {
            list.Remove(activation);
        }
    }
}
