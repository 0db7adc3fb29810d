using System.Text.Json;

namespace OrleansAgents.Testing.Soak;

/// <summary>What a soak did and found, as one JSON line; <see cref="Passed"/> when no promise was broken.</summary>
public sealed record SoakSummary(
    SoakOptions Options,
    int Runs,
    IReadOnlyDictionary<string, long> Outcomes,
    IReadOnlyDictionary<string, long> Faults,
    IReadOnlyDictionary<string, long> Violations,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Examples,
    IReadOnlyDictionary<string, long> Checked,
    IReadOnlyDictionary<string, long> Http,
    IReadOnlyDictionary<string, double> LatencyMs,
    double Seconds)
{
    public bool Passed => Violations.Count == 0;

    public string ToJson() => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["workload"] = "SOAK",
        ["seed"] = Options.Seed,
        ["minutes"] = Options.Duration.TotalMinutes,
        ["fault_every_s"] = Options.FaultEvery.TotalSeconds,
        ["runs_in_flight"] = Options.RunsInFlight,
        ["seconds"] = Math.Round(Seconds, 1),
        ["runs"] = Runs,
        ["outcomes"] = Outcomes,
        ["faults"] = Faults,
        ["violations"] = Violations,
        ["checked"] = Checked,
        ["http"] = Http,
        ["latency_ms"] = LatencyMs,
    });

    /// <summary>The broken promises with examples, and the seed that replays the soak's schedule.</summary>
    public string Describe() => Passed
        ? $"soak passed (seed {Options.Seed})"
        : $"soak FAILED with seed {Options.Seed} (replay with --seed {Options.Seed}):{Environment.NewLine}" + string.Join(Environment.NewLine,
            Violations.Select(v => $"  {v.Key}: {v.Value}{Environment.NewLine}    " + string.Join($"{Environment.NewLine}    ", Examples.GetValueOrDefault(v.Key) ?? [])));
}
