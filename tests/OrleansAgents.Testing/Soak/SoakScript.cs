namespace OrleansAgents.Testing.Soak;

/// <summary>
/// What the soak's client does with one run, decided up front from the soak's seed and the run's number,
/// so the same seed replays the same commands (their timing against the cluster's varies, as it would).
/// </summary>
public sealed record SoakScript
{
    public const string Bench = "bench";
    public const string Voice = "voice-agent-builder";

    public required int Number { get; init; }

    public required string RunId { get; init; }

    /// <summary><see cref="Bench"/> or <see cref="Voice"/>.</summary>
    public required string Agent { get; init; }

    /// <summary>The development key it is started with (two owners share the load, and the per-owner start limit).</summary>
    public required string ApiKey { get; init; }

    public int Steps { get; init; }

    public int StepMs { get; init; }

    public int Bytes { get; init; }

    /// <summary>Cancel this long after the start; null: never.</summary>
    public TimeSpan? CancelAfter { get; init; }

    /// <summary>Steer messages, each sent this long after the start (voice runs).</summary>
    public IReadOnlyList<TimeSpan> SteerAt { get; init; } = [];

    /// <summary>How long a person takes to answer a question (voice runs).</summary>
    public TimeSpan AnswerDelay { get; init; }

    /// <summary>The publish approval is rejected (voice runs): the run finishes without publishing.</summary>
    public bool RejectPublish { get; init; }

    /// <summary>An outcome-unknown question is answered "run again" (approve) rather than "skip" (reject).</summary>
    public bool RunAgainWhenUnknown { get; init; }

    /// <summary>Who follows the run's events: null (nobody), "sse", "ws" or "typed".</summary>
    public string? Watcher { get; init; }

    /// <summary>The watcher drops its connection after each of these, then reconnects after the last seq it saw.</summary>
    public IReadOnlyList<TimeSpan> WatcherDrops { get; init; } = [];

    public static SoakScript Create(SoakOptions options, string runPrefix, int number)
    {
        var random = new Random(unchecked((options.Seed * 1_000_003) + number));
        var voice = random.NextDouble() < options.VoiceShare;
        var watcher = random.NextDouble() < options.WatchedShare ? (number % 3) switch { 0 => "sse", 1 => "ws", _ => "typed" } : null;
        var script = new SoakScript
        {
            Number = number,
            RunId = $"{runPrefix}-{number:D6}",
            Agent = voice ? Voice : Bench,
            ApiKey = number % 2 == 0 ? "dev-user-1" : "dev-user-2",
            Steps = random.Next(5, 80),
            StepMs = random.Next(20, 300),
            Bytes = random.Next(16, 4096),
            AnswerDelay = TimeSpan.FromMilliseconds(random.Next(200, 6000)),
            RejectPublish = random.NextDouble() < 0.25,
            RunAgainWhenUnknown = random.NextDouble() < 0.7,
            Watcher = watcher,
            WatcherDrops = watcher is null ? [] : [.. Enumerable.Range(0, random.Next(0, 4)).Select(_ => TimeSpan.FromMilliseconds(random.Next(300, 5000)))],
        };

        var expected = voice ? TimeSpan.FromSeconds(6) : TimeSpan.FromMilliseconds(script.Steps * (script.StepMs + 5));
        if (random.NextDouble() < options.CancelShare)
        {
            script = script with { CancelAfter = TimeSpan.FromMilliseconds(random.NextDouble() * expected.TotalMilliseconds * 1.2) };
        }

        if (voice && random.NextDouble() < 0.4)
        {
            script = script with { SteerAt = [.. Enumerable.Range(0, random.Next(1, 3)).Select(_ => TimeSpan.FromMilliseconds(random.Next(0, 5000))).Order()] };
        }

        return script;
    }
}
