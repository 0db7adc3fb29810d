using System.Diagnostics;
using System.Globalization;
using OrleansAgents.Runs;

namespace OrleansAgents.Bench;

/// <summary>S2: one very long run on one worker: memory, step cost and resume time that do not grow with its length.</summary>
internal sealed partial class Harness
{
    /// <summary>
    /// (a) a run of <paramref name="steps"/> steps: the RSS of the worker holding it, from step 500 to the end, and
    /// the cost of its last ten steps against its first ten; (b) the same length of run, its worker SIGKILLed at
    /// 95 % of its steps, and (c) a 100-step run killed at step 50: time from the kill to the next committed step
    /// on the survivor; (b) and (c) <paramref name="repeats"/> times each, alternating, compared by their medians
    /// (failure detection, about 0.7 s, dominates and varies with the probe's phase). Each killed worker is started
    /// again, and is active, before the next part.
    /// </summary>
    public async Task<WorkloadResult> RunLongRunAsync(int steps, int bytes, int killStepMs, int repeats)
    {
        var result = new WorkloadResult("S2");
        result.Figures["steps"] = steps;
        result.Figures["bytes"] = bytes;

        var id = $"s2-long-{Guid.NewGuid():N}";
        await Cluster.GetGrain<IAgentRunGrain>(id).StartAsync(Request(steps, 0, bytes) with { Owner = "bench-s2" });
        var worker = WorkerNameOf(await WaitForSiloAsync(id));
        long baseline = 0, peak = 0;
        while (await ReadCommittedStepsAsync(id) is var done && !await IsTerminalAsync(id))
        {
            var rss = ReadRssKb(worker);
            if (done >= 500)
            {
                baseline = baseline == 0 ? rss : baseline;
                peak = Math.Max(peak, rss);
            }

            await Task.Delay(250);
        }

        var costs = await ReadStepCostsAsync(id);
        result.Figures["worker"] = worker;
        result.Figures["rss_at_step500_mib"] = baseline / 1024.0;
        result.Figures["rss_peak_after_mib"] = peak / 1024.0;
        result.Figures["rss_growth_mib"] = (peak - baseline) / 1024.0;
        result.Figures["first10_median_ms"] = Median(costs.Take(10));
        result.Figures["last10_median_ms"] = Median(costs.Skip(costs.Count - 10));
        result.Figures["ratio"] = Median(costs.Skip(costs.Count - 10)) / Median(costs.Take(10));
        result.Figures["status"] = (await ReadFinishedAsync([id]))[id].Status;

        var longs = new List<double>();
        var shorts = new List<double>();
        var longReads = new List<(double Events, double Ms)>();
        var shortReads = new List<(double Events, double Ms)>();
        for (var i = 0; i < repeats; i++)
        {
            var one = await KillAndResumeAsync(100, 50, killStepMs);
            shorts.Add(one.Ms);
            shortReads.Add(one.Read);
            var two = await KillAndResumeAsync(steps, steps * 95 / 100, killStepMs);
            longs.Add(two.Ms);
            longReads.Add(two.Read);
        }

        // What the resume itself read and how long reading and folding it took (run.resumed's "read"): the part of
        // the kill-to-next-step time that could grow with the run; the rest is failure detection.
        result.Figures["resume_read_events_median"] = Median(longReads.Select(r => r.Events));
        result.Figures["resume_read_ms_median"] = Median(longReads.Select(r => r.Ms));
        result.Figures["resume100_read_events_median"] = Median(shortReads.Select(r => r.Events));
        result.Figures["resume100_read_ms_median"] = Median(shortReads.Select(r => r.Ms));

        result.Figures["kill_at_step"] = steps * 95 / 100;
        result.Figures["kill_to_next_step_ms"] = string.Join(" / ", longs.Select(m => m.ToString("0", CultureInfo.InvariantCulture)));
        result.Figures["kill_to_next_step_median_ms"] = Median(longs);
        result.Figures["kill100_to_next_step_ms"] = string.Join(" / ", shorts.Select(m => m.ToString("0", CultureInfo.InvariantCulture)));
        result.Figures["kill100_to_next_step_median_ms"] = Median(shorts);
        result.Figures["resume_ratio"] = Median(longs) / Median(shorts);
        result.Figures["path"] = "orleans-client";
        return result;
    }

    /// <summary>Kills the worker of a run once it has committed <paramref name="at"/> steps; ms from the kill to its next committed step.</summary>
    private async Task<(double Ms, long Step, (double Events, double Ms) Read)> KillAndResumeAsync(int steps, int at, int stepMs)
    {
        var id = $"s2-kill-{steps}-{Guid.NewGuid():N}";
        await Cluster.GetGrain<IAgentRunGrain>(id).StartAsync(Request(steps, stepMs, 200) with { Owner = "bench-s2" });
        long done;
        while ((done = await ReadCommittedStepsAsync(id)) < at)
        {
            await Task.Delay(5);
        }

        var worker = WorkerNameOf(await WaitForSiloAsync(id));
        var pid = int.Parse(File.ReadAllText(Path.Combine(_settings.DataDirectory, "pids", $"{worker}.pid")).Trim(), CultureInfo.InvariantCulture);
        var killedAt = DateTimeOffset.UtcNow;
        using (var process = Process.GetProcessById(pid))
        {
            process.Kill();
            await process.WaitForExitAsync(); // gone before cluster.sh starts it again (it skips a process it still sees)
        }

        await WaitAllTerminalAsync([id], TimeSpan.FromMinutes(10));
        await using var command = _db.CreateCommand("SELECT min(at) FROM oa_run_events WHERE run_id = $1 AND type = 'step.completed' AND at > $2");
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(killedAt.UtcDateTime);
        var next = new DateTimeOffset((DateTime)(await command.ExecuteScalarAsync())!, TimeSpan.Zero);
        await using var resumed = _db.CreateCommand(
            "SELECT (data->'read'->>'events')::float8, (data->'read'->>'ms')::float8 FROM oa_run_events WHERE run_id = $1 AND type = 'run.resumed' AND at > $2 ORDER BY seq LIMIT 1");
        resumed.Parameters.AddWithValue(id);
        resumed.Parameters.AddWithValue(killedAt.UtcDateTime);
        (double, double) read = (double.NaN, double.NaN);
        await using (var reader = await resumed.ExecuteReaderAsync())
        {
            if (await reader.ReadAsync() && !reader.IsDBNull(0))
            {
                read = (reader.GetDouble(0), reader.GetDouble(1));
            }
        }

        Console.Error.WriteLine($"S2 killed {worker} at step {done} of {steps}; starting it again");
        await new ClusterScript(_settings).RunAsync("start", worker);
        await LocalSoakCluster.WaitForActiveAsync(_settings, worker);
        await Task.Delay(TimeSpan.FromSeconds(3)); // and its gateway is in the client's list
        return ((next - killedAt).TotalMilliseconds, done, read);
    }

    private async Task<string> WaitForSiloAsync(string runId)
    {
        for (var i = 0; i < 400; i++)
        {
            var silos = await ReadSilosAsync([runId]);
            if (silos.TryGetValue(runId, out var silo))
            {
                return silo;
            }

            await Task.Delay(25);
        }

        throw new TimeoutException($"run {runId} has no silo in the runs table");
    }

    private async Task<long> ReadCommittedStepsAsync(string runId)
    {
        await using var command = _db.CreateCommand(
            "SELECT coalesce((SELECT (data->>'step')::bigint + 1 FROM oa_run_events WHERE run_id = $1 AND type = 'step.completed' ORDER BY seq DESC LIMIT 1), 0)");
        command.Parameters.AddWithValue(runId);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task<bool> IsTerminalAsync(string runId)
    {
        await using var command = _db.CreateCommand("SELECT count(*) FROM oa_runs WHERE run_id = $1 AND status IN ('succeeded', 'failed', 'cancelled')");
        command.Parameters.AddWithValue(runId);
        return (long)(await command.ExecuteScalarAsync())! == 1;
    }

    /// <summary>Per step: its completion minus the previous one's (body + commit), in order.</summary>
    private async Task<List<double>> ReadStepCostsAsync(string runId)
    {
        var done = new List<DateTime>();
        await using var command = _db.CreateCommand("SELECT at FROM oa_run_events WHERE run_id = $1 AND type = 'step.completed' ORDER BY seq");
        command.Parameters.AddWithValue(runId);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            done.Add(reader.GetDateTime(0));
        }

        return [.. done.Skip(1).Select((t, i) => (t - done[i]).TotalMilliseconds)];
    }

    private long ReadRssKb(string worker)
    {
        var pid = File.ReadAllText(Path.Combine(_settings.DataDirectory, "pids", $"{worker}.pid")).Trim();
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }
}
