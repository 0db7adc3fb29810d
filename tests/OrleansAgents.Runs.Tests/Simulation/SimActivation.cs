using Microsoft.Extensions.Logging.Abstractions;
using OrleansAgents.Runs.Engine;

namespace OrleansAgents.Runs.Tests.Simulation;

/// <summary>
/// One activation of a run: the real <see cref="RunEngine"/> in its own single-threaded context, with the
/// powers a grain gives it (header storage, timers, reminders) simulated. Calls are turns: one that does
/// not interleave waits for the one before it, as an Orleans grain call does.
/// </summary>
internal sealed class SimActivation : IRunHost
{
    private readonly SimCluster _cluster;
    private readonly SemaphoreSlim _turn = new(1, 1);
    private readonly List<Action<Exception>> _pending = [];
    private readonly List<ITimer> _timers = [];
    private RunHeader? _header;

    public SimActivation(SimCluster cluster, string runId, string name, bool racing)
    {
        _cluster = cluster;
        RunId = runId;
        Name = name;
        Racing = racing;
        Context = new SimContext(cluster.Scheduler, name) { Activation = this };
        Engine = new RunEngine(this, new SimJournal(cluster, this), cluster.Agents, cluster.Options.Runs, cluster.Scheduler.Clock,
            NullLogger.Instance, new Random(cluster.Scheduler.Random.Next()));
    }

    public string RunId { get; }

    public string Name { get; }

    /// <summary>Started while another activation of the run was alive (Orleans' rare duplicate activation).</summary>
    public bool Racing { get; }

    public SimContext Context { get; }

    public RunEngine Engine { get; }

    public Task Ready { get; private set; } = Task.CompletedTask;

    public bool Deactivating { get; set; }

    public bool IsDead => Context.IsDead;

    string IRunHost.Silo => Name;

    string IRunHost.ActivationId => Name;

    string IRunHost.GrainId => $"agentrun/{RunId}";

    bool IRunHost.HeaderExists => _header is not null;

    RunHeader IRunHost.Header => _header ?? throw new InvalidOperationException("No header.");

    /// <summary>Reads the header (as Orleans does before activating) and lets the engine load the run.</summary>
    public void Activate() => Ready = RunAsTurnAsync(async () =>
    {
        await _cluster.HopAsync();
        ThrowIfDead();
        _cluster.ThrowIfDown();
        _header = _cluster.Db.Headers.TryGetValue(RunId, out var stored) ? Copy(stored) : null;
        await Engine.ActivateAsync();
    });

    /// <summary>A grain call: runs as turns of this activation, after the activation and the non-interleaving call before it.</summary>
    public Task<T> InvokeAsync<T>(Func<RunEngine, Task<T>> call, bool interleave)
    {
        var completion = new TaskCompletionSource<T>();
        _pending.Add(ex => completion.TrySetException(ex));
        Context.Run(async () =>
        {
            try
            {
                await Ready;
                if (!interleave)
                {
                    await _turn.WaitAsync();
                }

                try
                {
                    completion.TrySetResult(await call(Engine));
                }
                finally
                {
                    if (!interleave)
                    {
                        _turn.Release();
                    }
                }
            }
            catch (Exception ex)
            {
                completion.TrySetException(ex);
            }
        });
        return completion.Task;
    }

    /// <summary>Deactivation: after the current call, as Orleans lets an activation go once it is idle.</summary>
    public Task DeactivateAsync() => RunAsTurnAsync(async () =>
    {
        await _turn.WaitAsync();
        await Engine.DeactivateAsync(shuttingDown: false, CancellationToken.None);
    });

    /// <summary>Stops a dead activation's code that .NET continued inline in the turn that killed it.</summary>
    public void ThrowIfDead()
    {
        if (IsDead)
        {
            throw new OperationCanceledException($"simulated: activation {Name} is dead");
        }
    }

    /// <summary>The process died: no turn of it runs again, its timers stop, its callers get an error.</summary>
    public void Kill()
    {
        Context.Kill();
        foreach (var timer in _timers)
        {
            timer.Dispose();
        }

        foreach (var fail in _pending)
        {
            fail(new TimeoutException($"simulated: activation {Name} is gone"));
        }
    }

    async Task IRunHost.WriteHeaderAsync(RunHeader header)
    {
        await _cluster.HopAsync();
        ThrowIfDead();
        _cluster.ThrowIfDown();
        _cluster.Db.Headers[RunId] = Copy(header);
        _header = header;
    }

    async Task IRunHost.ReloadHeaderAsync()
    {
        await _cluster.HopAsync();
        ThrowIfDead();
        _cluster.ThrowIfDown();
        _header = _cluster.Db.Headers.TryGetValue(RunId, out var stored) ? Copy(stored) : null;
    }

    async Task IRunHost.ClearHeaderAsync()
    {
        await _cluster.HopAsync();
        ThrowIfDead();
        _cluster.ThrowIfDown();
        _cluster.Db.Headers.Remove(RunId);
        _header = null;
    }

    IDisposable IRunHost.StartTimer(Func<Task> tick, TimeSpan dueTime, TimeSpan period)
    {
        var timer = _cluster.Scheduler.Clock.CreateTimer(_ => Context.Run(tick), null, dueTime, period);
        _timers.Add(timer);
        return timer;
    }

    async Task IRunHost.RegisterReminderAsync(TimeSpan dueTime, TimeSpan period)
    {
        await _cluster.HopAsync();
        ThrowIfDead();
        _cluster.ThrowIfDown();
        _cluster.Db.Reminders[RunId] = period;
    }

    async Task IRunHost.UnregisterReminderAsync(bool registered)
    {
        await _cluster.HopAsync();
        ThrowIfDead();
        _cluster.ThrowIfDown();
        _cluster.Db.Reminders.Remove(RunId);
    }

    Task IRunHost.PublishAsync(RunEventBatch batch) => Task.CompletedTask;

    IAgentRunGrain IRunHost.GetRun(string runId) => throw new NotSupportedException("The simulation's agents start no child runs.");

    bool IRunHost.IsHostedElsewhere(string agent, string version) => false; // one agent version in the simulation

    void IRunHost.DeactivateOnIdle() => _cluster.Deactivate(this);

    void IRunHost.MigrateOnIdle() => _cluster.Deactivate(this); // one version in the simulation: never asked

    void IRunHost.ScheduleReactivation() => _cluster.ScheduleWake(RunId, $"reactivation after {Name}");

    private Task RunAsTurnAsync(Func<Task> work)
    {
        var completion = new TaskCompletionSource();
        _pending.Add(ex => completion.TrySetException(ex));
        Context.Run(async () =>
        {
            try
            {
                await work();
                completion.TrySetResult();
            }
            catch (Exception ex)
            {
                completion.TrySetException(ex);
            }
        });
        return completion.Task;
    }

    private static RunHeader Copy(RunHeader h) => new()
    {
        RunId = h.RunId,
        Agent = h.Agent,
        AgentVersion = h.AgentVersion,
        Owner = h.Owner,
        Input = h.Input,
        RequestHash = h.RequestHash,
        CreatedAt = h.CreatedAt,
        Incarnation = h.Incarnation,
        Expired = h.Expired,
    };
}
