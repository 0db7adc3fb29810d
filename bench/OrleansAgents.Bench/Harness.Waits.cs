using System.Diagnostics;
using System.Text.Json;
using OrleansAgents.Runs;

namespace OrleansAgents.Bench;

/// <summary>F1 (fan-out to child runs) and T1 (runs sleeping on durable timers).</summary>
internal sealed partial class Harness
{
    /// <summary>
    /// F1: a parent starts <paramref name="children"/> child runs in one step and waits for all of them, <paramref name="parents"/>
    /// times one after another. Per parent, from the journal: the parent's decision (its children step's <c>step.started</c>)
    /// to the last child's <c>run.started</c>, and the last child's end to the parent's resume (the children step's
    /// <c>step.completed</c>).
    /// </summary>
    public async Task<WorkloadResult> RunFanOutAsync(int parents, int children, int childSteps, int childStepMs)
    {
        var toLastStart = new List<double>();
        var toResume = new List<double>();
        var total = new List<double>();
        for (var p = 0; p < parents; p++)
        {
            var id = $"f1-{p}-{Guid.NewGuid():N}";
            await Cluster.GetGrain<IAgentRunGrain>(id).StartAsync(new StartRunRequest("bench",
                $$"""{"steps":1,"stepMs":0,"children":{{children}},"childSteps":{{childSteps}},"childStepMs":{{childStepMs}}}""", "bench-f1"));
            await WaitAllTerminalAsync([id], TimeSpan.FromMinutes(5));

            var decided = await EventTimeAsync("SELECT min(at) FROM oa_run_events WHERE run_id = $1 AND type = 'step.started'", id);
            var resumed = await EventTimeAsync("SELECT min(at) FROM oa_run_events WHERE run_id = $1 AND type = 'step.completed'", id);
            var lastStart = await EventTimeAsync("SELECT max(at) FROM oa_run_events WHERE run_id LIKE $1 AND type = 'run.started'", id + "::%");
            var lastEnd = await EventTimeAsync(
                "SELECT max(at) FROM oa_run_events WHERE run_id LIKE $1 AND type IN ('run.succeeded', 'run.failed', 'run.cancelled')", id + "::%");
            var started = await CountAsync("SELECT count(*) FROM oa_runs WHERE run_id LIKE $1", id + "::%");
            if (started != children)
            {
                throw new InvalidOperationException($"parent {id} has {started} child runs, not {children}");
            }

            toLastStart.Add((lastStart - decided).TotalMilliseconds);
            toResume.Add((resumed - lastEnd).TotalMilliseconds);
            total.Add((resumed - decided).TotalMilliseconds);
            Console.Error.WriteLine($"  F1 parent {p + 1}/{parents}: last child started {toLastStart[^1]:0} ms after the decision, parent resumed {toResume[^1]:0} ms after the last child ended");
        }

        var result = new WorkloadResult("F1");
        result.Figures["parents"] = parents;
        result.Figures["children_per_parent"] = children;
        result.Figures["child_steps"] = childSteps;
        result.Figures["child_step_ms"] = childStepMs;
        result.Figures["decision_to_last_child_start_ms_median"] = Median(toLastStart);
        result.Figures["decision_to_last_child_start_ms_max"] = toLastStart.Max();
        result.Figures["last_child_end_to_parent_resume_ms_median"] = Median(toResume);
        result.Figures["last_child_end_to_parent_resume_ms_max"] = toResume.Max();
        result.Figures["decision_to_parent_resume_ms_median"] = Median(total);
        SampleMemory();
        return result;
    }

    /// <summary>
    /// T1: <paramref name="runs"/> runs each sleep on a durable timer, their times spread over <paramref name="spreadS"/> seconds
    /// starting <paramref name="firstWakeS"/> seconds from now. While all sleep: run activations in the cluster (target
    /// none) and the workers' RSS against before the runs started. After: wake-up lateness, the <c>timer.fired</c> commit
    /// against the timer's time, p50/p99/max.
    /// </summary>
    public async Task<WorkloadResult> RunTimersAsync(int runs, int firstWakeS, int spreadS)
    {
        var rssBefore = WorkerRssKb();
        var activationsBefore = await RunActivationsAsync();
        var t0 = DateTimeOffset.UtcNow;
        var ids = Enumerable.Range(0, runs).Select(i => $"t1-{i}-{Guid.NewGuid():N}").ToList();
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, runs), new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, _) =>
        {
            var until = t0.AddSeconds(firstWakeS).AddMilliseconds(spreadS * 1000.0 * i / runs);
            await Cluster.GetGrain<IAgentRunGrain>(ids[i]).StartAsync(new StartRunRequest("bench",
                $$"""{"steps":1,"stepMs":0,"sleepUntil":{{JsonSerializer.Serialize(until)}}}""", $"bench-t1-{i % 50}"));
        });
        var startS = clock.Elapsed.TotalSeconds;

        // All asleep: every timer recorded, and the activations let go.
        while (await CountAsync("SELECT count(*) FROM oa_run_events WHERE run_id LIKE 't1-%' AND type = 'timer.started' AND at >= $1", t0) < runs)
        {
            await Task.Delay(200);
        }

        var asleep = Stopwatch.StartNew();
        int activations;
        while ((activations = await RunActivationsAsync()) > activationsBefore && asleep.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(200);
        }

        var rssAsleep = WorkerRssKb();
        var reminders = await CountAsync("SELECT count(*) FROM orleansreminderstable WHERE grainid LIKE '%t1-%'");
        Console.Error.WriteLine($"  T1: {runs} runs started in {startS:0.0} s; asleep with {activations} run activations ({activationsBefore} before), {reminders} reminders");
        if (DateTimeOffset.UtcNow > t0.AddSeconds(firstWakeS))
        {
            Console.Error.WriteLine("  T1: the first timers came due before all runs were asleep: raise --first-wake");
        }

        await WaitAllTerminalAsync(ids, TimeSpan.FromSeconds(firstWakeS + spreadS + 120));
        var lateness = new List<double>();
        await using (var command = _db.CreateCommand("SELECT at, data FROM oa_run_events WHERE run_id = ANY($1) AND type = 'timer.fired'"))
        {
            command.Parameters.AddWithValue(ids.ToArray());
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var firedAt = new DateTimeOffset(reader.GetDateTime(0), TimeSpan.Zero);
                using var data = JsonDocument.Parse(reader.GetString(1));
                lateness.Add((firedAt - data.RootElement.GetProperty("until").GetDateTimeOffset()).TotalMilliseconds);
            }
        }

        lateness.Sort();
        var result = new WorkloadResult("T1");
        result.Figures["runs"] = runs;
        result.Figures["fired"] = lateness.Count;
        result.Figures["wake_spread_s"] = spreadS;
        result.Figures["run_activations_while_asleep"] = activations - activationsBefore;
        foreach (var (worker, kb) in rssAsleep)
        {
            result.Figures[$"{worker}_rss_asleep_minus_before_mib"] = (kb - rssBefore.GetValueOrDefault(worker)) / 1024.0;
        }

        result.Figures["wake_late_ms_p50"] = Percentile(lateness, 0.50);
        result.Figures["wake_late_ms_p99"] = Percentile(lateness, 0.99);
        result.Figures["wake_late_ms_max"] = lateness[^1];
        result.Figures["wake_early_count"] = lateness.Count(l => l < 0);
        SampleMemory();
        return result;
    }

    private async Task<int> RunActivationsAsync()
    {
        var statistics = await Cluster.GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics();
        return statistics.Where(s => s.GrainType.Contains("AgentRunGrain", StringComparison.Ordinal)).Sum(s => s.ActivationCount);
    }

    private Dictionary<string, long> WorkerRssKb()
    {
        var rss = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var file in Directory.GetFiles(Path.Combine(_settings.DataDirectory, "pids"), "worker-*.pid"))
        {
            var name = Path.GetFileNameWithoutExtension(file);
            try
            {
                rss[name] = ReadRssKb(name);
            }
            catch (IOException)
            {
                // not running
            }
        }

        return rss;
    }

    private async Task<DateTimeOffset> EventTimeAsync(string sql, string parameter)
    {
        await using var command = _db.CreateCommand(sql);
        command.Parameters.AddWithValue(parameter);
        return new DateTimeOffset((DateTime)(await command.ExecuteScalarAsync())!, TimeSpan.Zero);
    }

    private async Task<long> CountAsync(string sql, object? parameter = null)
    {
        await using var command = _db.CreateCommand(sql);
        if (parameter is not null)
        {
            command.Parameters.AddWithValue(parameter);
        }

        return (long)(await command.ExecuteScalarAsync())!;
    }
}
