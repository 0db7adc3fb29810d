namespace OrleansAgents.Runs.Tests.Simulation;

/// <summary>
/// The single-threaded turn-based world of one activation (or one simulated client): what it awaits
/// continues here, one turn at a time. Killing it drops every turn it had left, as a process death would.
/// </summary>
internal sealed class SimContext(SimScheduler scheduler, string name) : SynchronizationContext
{
    public string Name { get; } = name;

    public bool IsDead { get; private set; }

    /// <summary>The activation whose context this is, if any (step bodies read their activation's view from it).</summary>
    public SimActivation? Activation { get; init; }

    public void Kill() => IsDead = true;

    public override void Post(SendOrPostCallback d, object? state) => scheduler.Post(this, d, state);

    public override void Send(SendOrPostCallback d, object? state) =>
        throw new NotSupportedException("Simulated code never blocks on another context.");

    public override SynchronizationContext CreateCopy() => this;

    /// <summary>Starts <paramref name="work"/> as a turn of this context.</summary>
    public void Run(Func<Task> work) => Post(_ => _ = work(), null);
}
