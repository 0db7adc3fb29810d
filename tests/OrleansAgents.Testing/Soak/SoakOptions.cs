namespace OrleansAgents.Testing.Soak;

/// <summary>How a soak runs: how long, how often a fault, how much load, and the seed of its decisions.</summary>
public sealed record SoakOptions
{
    /// <summary>How long load is started and faults are injected; then the soak drains and checks.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>One fault every this long, in rotation: kill a worker, kill the front end, stall a worker, rolling deploy, PostgreSQL down.</summary>
    public TimeSpan FaultEvery { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Seeds every decision of the soak (run shapes, commands, watchers' drops, fault order and targets).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Runs kept in flight.</summary>
    public int RunsInFlight { get; init; } = 200;

    /// <summary>Share of runs that are voice-agent-builder runs (the rest are bench runs).</summary>
    public double VoiceShare { get; init; } = 0.3;

    /// <summary>Share of runs followed by a watcher (SSE, WebSocket or the typed client, in turn).</summary>
    public double WatchedShare { get; init; } = 0.3;

    /// <summary>Share of runs cancelled at a random moment.</summary>
    public double CancelShare { get; init; } = 0.1;

    /// <summary>How long the soak waits, after the load stops, for every run to end.</summary>
    public TimeSpan Drain { get; init; } = TimeSpan.FromMinutes(3);

    public required Uri FrontEnd { get; init; }

    /// <summary>The cluster's PostgreSQL: the final checks read the journal and the execution audit from it, and the typed client its membership.</summary>
    public required string ConnectionString { get; init; }

    public required string ClusterId { get; init; }

    public required string ServiceId { get; init; }

    /// <summary>Where progress lines go (stderr for the bench, the test output for tests).</summary>
    public Action<string> Log { get; init; } = _ => { };
}
