using System.Diagnostics;
using System.Globalization;
using OrleansAgents.Client;

namespace OrleansAgents.Testing.Soak;

/// <summary>
/// The chaos soak: keeps <see cref="SoakOptions.RunsInFlight"/> scripted runs going for
/// <see cref="SoakOptions.Duration"/> (bench runs of varied shape, voice-agent-builder runs answered,
/// steered and cancelled by a person, a share followed by SSE, WebSocket and typed-client watchers),
/// injects a fault every <see cref="SoakOptions.FaultEvery"/>, lets every run end, then checks every
/// promise (<see cref="SoakChecks"/>).
/// </summary>
public static class SoakEngine
{
    public static async Task<SoakSummary> RunAsync(SoakOptions options, ISoakCluster cluster, IAgentRuns typed)
    {
        var record = new SoakRecord();
        using var http = new SoakHttp(options, record);
        var driver = new SoakDriver(http, record);
        var watchers = new SoakWatchers(options, record, typed);
        var prefix = string.Create(CultureInfo.InvariantCulture, $"soak{options.Seed}-{DateTime.UtcNow:MMddHHmmss}");
        var clock = Stopwatch.StartNew();
        var began = DateTimeOffset.UtcNow;
        var loadUntil = began + options.Duration;
        using var stop = new CancellationTokenSource(options.Duration + options.Drain);
        using var stopFaults = new CancellationTokenSource();
        var faults = new SoakFaults(options, record, cluster).RunAsync(loadUntil, stopFaults.Token);
        var watching = new List<Task>();
        var next = -1;

        async Task SlotAsync(int slot)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(slot * 25)); // ramp up
            while (DateTimeOffset.UtcNow < loadUntil && !stop.IsCancellationRequested)
            {
                var script = SoakScript.Create(options, prefix, Interlocked.Increment(ref next));
                await driver.RunAsync(script, () =>
                {
                    if (script.Watcher is not null)
                    {
                        lock (watching)
                        {
                            watching.Add(Task.Run(() => watchers.WatchAsync(script, stop.Token)));
                        }
                    }
                }, stop.Token);
            }
        }

        var slots = Enumerable.Range(0, options.RunsInFlight).Select(slot => Task.Run(() => SlotAsync(slot))).ToList();
        using (var progress = new Timer(_ => options.Log(
            $"soak: {clock.Elapsed.TotalSeconds:0} s, {record.Runs.Count} runs started, {record.Faults.Count} faults, {record.TotalViolations} violations"), null, 15_000, 15_000))
        {
            await Task.WhenAll(slots);
            options.Log($"soak: load stopped at {clock.Elapsed.TotalSeconds:0} s; waiting for faults to end and watchers to finish");
            await stopFaults.CancelAsync();
            await faults;
            Task[] pending;
            lock (watching)
            {
                pending = [.. watching];
            }

            await Task.WhenAll(pending);
        }

        if (stop.IsCancellationRequested)
        {
            record.Violation("drain timed out", $"runs or watchers had not ended {options.Drain} after the load stopped");
        }

        options.Log($"soak: checking {record.Runs.Count} runs at {clock.Elapsed.TotalSeconds:0} s");
        var checks = new SoakChecks(record, options.ConnectionString);
        await checks.RunAsync();
        return Summarize(options, record, checks, clock.Elapsed.TotalSeconds);
    }

    private static SoakSummary Summarize(SoakOptions options, SoakRecord record, SoakChecks checks, double seconds)
    {
        var faults = record.Faults.ToList();
        bool InFault((DateTime Start, DateTime End) span) =>
            faults.Any(f => f.Start.UtcDateTime <= span.End && f.End.UtcDateTime >= span.Start);
        var withFault = checks.Spans.Values.Where(InFault).Select(s => (s.End - s.Start).TotalMilliseconds).Order().ToList();
        var quiet = checks.Spans.Values.Where(s => !InFault(s)).Select(s => (s.End - s.Start).TotalMilliseconds).Order().ToList();
        var latency = new Dictionary<string, double>
        {
            ["p50_with_fault"] = Percentile(withFault, 0.50),
            ["p99_with_fault"] = Percentile(withFault, 0.99),
            ["p50_without_fault"] = Percentile(quiet, 0.50),
            ["p99_without_fault"] = Percentile(quiet, 0.99),
            ["runs_with_fault"] = withFault.Count,
            ["runs_without_fault"] = quiet.Count,
        };
        var http = record.Statuses.ToDictionary(s => s.Key.ToString(CultureInfo.InvariantCulture), s => s.Value);
        http["unreachable"] = record.Unreachable;
        return new SoakSummary(
            options,
            record.Runs.Count,
            checks.Outcomes,
            faults.GroupBy(f => f.Kind).ToDictionary(g => g.Key, g => (long)g.Count()),
            record.ViolationCounts.ToDictionary(),
            record.Examples.ToDictionary(e => e.Key, e => (IReadOnlyList<string>)[.. e.Value]),
            record.Checked.ToDictionary(),
            http,
            latency,
            seconds);
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : Math.Round(sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)], 1);
}
