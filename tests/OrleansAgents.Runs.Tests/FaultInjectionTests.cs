using System.Diagnostics;
using System.Globalization;
using OrleansAgents.Runs.Tests.Simulation;

namespace OrleansAgents.Runs.Tests;

/// <summary>
/// The run core under seeded fault injection: the real state machine, committer and step executor in a
/// deterministic simulation of the cluster (see <see cref="SimSchedule"/>). Each schedule is a seed; a
/// failure prints the seed, its trace, and the one command that replays it.
/// <para>
/// <c>ORLEANSAGENTS_SIM_SCHEDULES</c> (default 2000) sets how many schedules run, <c>ORLEANSAGENTS_SIM_SEED</c>
/// the first seed (default 1), <c>ORLEANSAGENTS_SIM_THREADS</c> how many run at once (default 1):
/// <c>ORLEANSAGENTS_SIM_SCHEDULES=100000 ORLEANSAGENTS_SIM_THREADS=2</c> is the long mode.
/// </para>
/// </summary>
public sealed class FaultInjectionTests(ITestOutputHelper output)
{
    [Fact]
    public void SeededSchedulesOfCrashesRacesOutagesAndCommands_KeepEveryPromiseOfTheRunCore()
    {
        var schedules = Setting("ORLEANSAGENTS_SIM_SCHEDULES", 2000);
        var first = Setting("ORLEANSAGENTS_SIM_SEED", 1);
        var clock = Stopwatch.StartNew();
        var failures = new List<SimResult>();
        long steps = 0;
        var faults = new long[Faults.Length];
        // One thread by default: the other test projects run at the same time on a two-core machine, and some
        // of them follow real timing. The long mode can take every core (ORLEANSAGENTS_SIM_THREADS).
        var threads = Setting("ORLEANSAGENTS_SIM_THREADS", 1);
        Parallel.For(first, first + schedules, new ParallelOptions { MaxDegreeOfParallelism = threads }, seed =>
        {
            var result = SimSchedule.Run(seed);
            Interlocked.Add(ref steps, result.Steps);
            for (var i = 0; i < Faults.Length; i++)
            {
                Interlocked.Add(ref faults[i], result.Trace.Count(line => line.Contains(Faults[i].Marker, StringComparison.Ordinal)));
            }

            if (result.Violations.Count > 0)
            {
                lock (failures)
                {
                    failures.Add(result);
                }
            }
        });

        output.WriteLine($"{schedules} schedules from seed {first}: {failures.Count} with violations, {steps} turns, {clock.Elapsed.TotalSeconds:0.0} s");
        output.WriteLine(string.Join(", ", Faults.Select((f, i) => $"{faults[i]} {f.Name}")));
        if (failures.Count > 0)
        {
            var worst = failures.OrderBy(f => f.Seed).First();
            Assert.Fail(
                $"{failures.Count} of {schedules} schedules broke a promise (seeds {string.Join(", ", failures.Select(f => f.Seed).Order().Take(20))}).\n" +
                $"Seed {worst.Seed}:\n  {string.Join("\n  ", worst.Violations)}\n" +
                $"Replay it: ORLEANSAGENTS_SIM_SEED={worst.Seed} ORLEANSAGENTS_SIM_SCHEDULES=1 dotnet run --project tests/OrleansAgents.Runs.Tests -- -method \"*SeededSchedules*\"\n" +
                $"Trace:\n  {string.Join("\n  ", worst.Trace.TakeLast(400))}");
        }
    }

    /// <summary>What the schedules did, counted from their traces: proof that the faults are exercised.</summary>
    private static readonly (string Name, string Marker)[] Faults =
    [
        ("activations killed", " killed "), ("racing activations", "racing activation"), ("outages", "PostgreSQL down"),
        ("acknowledgements lost", "ack lost"), ("deactivations", " deactivating "), ("runs removed by retention", " expired"),
        ("commands acknowledged", " acknowledged"), ("starts of removed runs", "again after retention"),
    ];

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : fallback;
}
