using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans.Configuration;
using OrleansAgents.Runs;

namespace OrleansAgents.Bench;

/// <summary>Drives the local cluster through the Orleans client and reads the record from PostgreSQL.</summary>
internal sealed partial class Harness : IAsyncDisposable
{
    private readonly IHost _client;
    private readonly NpgsqlDataSource _db;
    private readonly BenchSettings _settings;
    private readonly Dictionary<string, long> _peakRssKb = [];

    private Harness(IHost client, NpgsqlDataSource db, BenchSettings settings)
    {
        _client = client;
        _db = db;
        _settings = settings;
    }

    private IClusterClient Cluster => _client.Services.GetRequiredService<IClusterClient>();

    public static async Task<Harness> ConnectAsync(BenchSettings settings)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = settings.ClusterId;
                o.ServiceId = settings.ClusterId;
            });
            client.UseAdoNetClustering(o =>
            {
                o.Invariant = OrleansAgentsNames.NpgsqlInvariant;
                o.ConnectionString = settings.Connection;
            });
        });
        var host = builder.Build();
        await host.StartAsync();
        return new Harness(host, NpgsqlDataSource.Create(settings.Connection), settings);
    }

    /// <summary>
    /// Load that is not measured, for <paramref name="duration"/>: alternating rounds of W1-shaped runs and of
    /// many concurrent W2-shaped starts. After a silo starts, tiered JIT compilation keeps recompiling hot code
    /// for about a minute of load on this machine (measured: a third of the silos' CPU in the JIT thread during
    /// the first rounds), so the figures below are steady state only after this.
    /// </summary>
    public async Task WarmUpAsync(TimeSpan duration)
    {
        var clock = Stopwatch.StartNew();
        for (var round = 1; clock.Elapsed < duration; round++)
        {
            var started = Stopwatch.GetTimestamp();
            await StartAndWaitAsync(200, 20, 0, 200);
            var w1 = 200 * 20 / Stopwatch.GetElapsedTime(started).TotalSeconds;
            await StartAndWaitAsync(500, 5, 50, 1024);
            Console.Error.WriteLine($"  warm-up round {round} at {clock.Elapsed.TotalSeconds:0} s: W1-shaped {w1:0} steps/s (wall incl. polling)");
        }
    }

    /// <summary>W1/W2: runs started concurrently, each a chain of durably committed steps.</summary>
    public async Task<WorkloadResult> RunThroughputAsync(string name, int runs, int steps, int stepMs, int bytes)
    {
        await StartAndWaitAsync(Math.Min(10, runs), steps, stepMs, bytes); // warm-up, not counted
        var (ids, starts, t0) = await StartAndWaitAsync(runs, steps, stepMs, bytes);
        var finished = await ReadFinishedAsync(ids);
        var latencies = ids.Select(id => (finished[id].UpdatedAt - starts[id]).TotalMilliseconds).Order().ToList();
        var wall = (finished.Values.Max(f => f.UpdatedAt) - t0).TotalSeconds;

        var result = new WorkloadResult(name);
        result.Figures["workflows"] = runs;
        result.Figures["steps"] = runs * steps;
        result.Figures["wall_s"] = wall;
        result.Figures["wf_per_s"] = runs / wall;
        result.Figures["steps_per_s"] = runs * steps / wall;
        result.Figures["p50_ms"] = Percentile(latencies, 0.50);
        result.Figures["p99_ms"] = Percentile(latencies, 0.99);
        result.Figures["duplicates"] = await CountDuplicateCommitsAsync(ids);
        result.Figures["failed"] = finished.Values.Count(f => f.Status != "succeeded");
        result.Figures["path"] = "orleans-client";
        SampleMemory();
        return result;
    }

    /// <summary>S1: one long run; the cost of a step early in the run against late in the run.</summary>
    public async Task<WorkloadResult> RunStepCostAsync(int steps, int bytes)
    {
        var (ids, _, _) = await StartAndWaitAsync(1, steps, 0, bytes);
        var completions = new List<DateTime>();
        await using (var command = _db.CreateCommand(
            "SELECT at FROM oa_run_events WHERE run_id = $1 AND type IN ('step.started', 'step.completed') ORDER BY seq"))
        {
            command.Parameters.AddWithValue(ids[0]);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                completions.Add(reader.GetDateTime(0));
            }
        }

        // Pairs (started, completed) per step; a step's cost is completed(i) - completed(i-1), i.e. body + commit.
        var done = completions.Where((_, i) => i % 2 == 1).ToList();
        var costs = done.Skip(1).Select((t, i) => (t - done[i]).TotalMilliseconds).ToList();
        // Medians: single steps take a few ms, so one scheduling hiccup would swing a mean.
        var first = Median(costs.Take(10));
        var last = Median(costs.Skip(costs.Count - 10));
        var result = new WorkloadResult("S1");
        result.Figures["steps"] = steps;
        result.Figures["first10_median_ms"] = first;
        result.Figures["last10_median_ms"] = last;
        result.Figures["ratio"] = last / first;
        result.Figures["mean_ms"] = costs.Average();
        result.Figures["path"] = "orleans-client";
        SampleMemory();
        return result;
    }

    /// <summary>W3: SIGKILL the worker holding most runs at about 1 s; it is not restarted.</summary>
    public async Task<WorkloadResult> RunRecoveryAsync(int runs, int steps, int stepMs)
    {
        var ids = Enumerable.Range(0, runs).Select(i => $"w3-{i}-{Guid.NewGuid():N}").ToList();
        var t0 = DateTimeOffset.UtcNow;
        await Task.WhenAll(ids.Select(id => Cluster.GetGrain<IAgentRunGrain>(id).StartAsync(Request(steps, stepMs, 200))));
        await Task.Delay(TimeSpan.FromSeconds(1) - (DateTimeOffset.UtcNow - t0) is { Ticks: > 0 } wait ? wait : TimeSpan.Zero);

        var silos = await ReadSilosAsync(ids);
        var victimSilo = silos.GroupBy(p => p.Value).MaxBy(g => g.Count())!.Key;
        var victimRuns = silos.Where(p => p.Value == victimSilo).Select(p => p.Key).ToHashSet();
        var victimName = WorkerNameOf(victimSilo);
        var pid = int.Parse(File.ReadAllText(Path.Combine(_settings.DataDirectory, "pids", $"{victimName}.pid")).Trim(), CultureInfo.InvariantCulture);
        SampleMemory();
        var killedAt = DateTimeOffset.UtcNow;
        Process.GetProcessById(pid).Kill();

        await WaitAllTerminalAsync(ids, TimeSpan.FromMinutes(5));
        var finished = await ReadFinishedAsync(ids);
        var recoveries = new List<double>();
        var rerunBodies = 0;
        await using (var command = _db.CreateCommand(
            "SELECT run_id, min(at), count(*) FILTER (WHERE data->>'step' IS NOT NULL) FROM oa_run_events WHERE run_id = ANY($1) AND type = 'run.resumed' AND at >= $2 GROUP BY run_id"))
        {
            command.Parameters.AddWithValue(ids.ToArray());
            command.Parameters.AddWithValue(killedAt.UtcDateTime.AddMilliseconds(-50));
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                if (victimRuns.Contains(reader.GetString(0)))
                {
                    recoveries.Add((new DateTimeOffset(reader.GetDateTime(1), TimeSpan.Zero) - killedAt).TotalMilliseconds);
                }

                rerunBodies += (int)reader.GetInt64(2);
            }
        }

        recoveries.Sort();
        var result = new WorkloadResult("W3");
        result.Figures["workflows"] = runs;
        result.Figures["steps"] = runs * steps;
        result.Figures["killed"] = victimName;
        result.Figures["runs_on_killed"] = victimRuns.Count;
        result.Figures["recovered"] = recoveries.Count;
        result.Figures["recovery_p50_ms"] = recoveries.Count > 0 ? Percentile(recoveries, 0.5) : double.NaN;
        result.Figures["recovery_max_ms"] = recoveries.Count > 0 ? recoveries[^1] : double.NaN;
        result.Figures["kill_to_all_complete_s"] = (finished.Values.Max(f => f.UpdatedAt) - killedAt).TotalSeconds;
        result.Figures["duplicates"] = await CountDuplicateCommitsAsync(ids);
        result.Figures["runs_with_gaps"] = await CountRunsWithGapsAsync(ids);
        result.Figures["step_bodies_rerun"] = rerunBodies;
        result.Figures["failed"] = finished.Values.Count(f => f.Status != "succeeded");
        result.Figures["path"] = "orleans-client";
        Console.Error.WriteLine($"W3 killed {victimName}; restart it with: deploy/local/cluster.sh start {victimName}");
        return result;
    }

    public string MemorySummary()
    {
        SampleMemory();
        return "peak RSS: " + string.Join(", ", _peakRssKb.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value / 1024} MiB"));
    }

    public async ValueTask DisposeAsync()
    {
        await _client.StopAsync();
        _client.Dispose();
        await _db.DisposeAsync();
    }

    private async Task<(List<string> Ids, Dictionary<string, DateTimeOffset> Starts, DateTimeOffset T0)> StartAndWaitAsync(int runs, int steps, int stepMs, int bytes)
    {
        var ids = Enumerable.Range(0, runs).Select(i => $"bench-{i}-{Guid.NewGuid():N}").ToList();
        var starts = new Dictionary<string, DateTimeOffset>(runs);
        var t0 = DateTimeOffset.UtcNow;
        var tasks = new List<Task>(runs);
        foreach (var id in ids)
        {
            starts[id] = DateTimeOffset.UtcNow;
            tasks.Add(Cluster.GetGrain<IAgentRunGrain>(id).StartAsync(Request(steps, stepMs, bytes)));
        }

        await Task.WhenAll(tasks);
        await WaitAllTerminalAsync(ids, TimeSpan.FromMinutes(5));
        return (ids, starts, t0);
    }

    /// <summary>
    /// A bench run for one of 50 owners in turn: W2 starts 500 runs at once, and one owner may have 100 unfinished
    /// (<c>OrleansAgents:Runs:Quotas:MaxUnfinishedRunsPerOwner</c>), as many users would.
    /// </summary>
    private static StartRunRequest Request(int steps, int stepMs, int bytes) =>
        new("bench", $$"""{"steps":{{steps}},"stepMs":{{stepMs}},"bytes":{{bytes}}}""", $"bench-{Interlocked.Increment(ref _nextOwner) % 50}");

    private static int _nextOwner;

    /// <summary>
    /// A1: the agent loop's own cost per step. voice-agent-builder runs on the cluster's model (offline unless
    /// configured), approved as soon as they ask. For each step, the time between two step commits minus the
    /// step body's own duration (model or tool time) is what the loop adds: commit, decide, schedule.
    /// </summary>
    public async Task<WorkloadResult> RunAgentLoopAsync(int runs, int? steps)
    {
        // A longer run asks for revision rounds: about six steps each after the first pass of 19.
        var rounds = steps is { } target && target > 19 ? (int)Math.Ceiling((target - 19) / 6.0) + 1 : 1;
        var input = $$"""{"request":"Build a phone receptionist for our dental clinic.","documents":["clinic-faq.md","booking-policy.md","escalation-contacts.md"]{{(rounds > 1 ? $",\"revisionRounds\":{rounds}" : "")}}}""";
        var ids = Enumerable.Range(0, runs).Select(i => $"a1-{i}-{Guid.NewGuid():N}").ToList();
        var wall = Stopwatch.StartNew();
        await Task.WhenAll(ids.Select(id => Cluster.GetGrain<IAgentRunGrain>(id).StartAsync(new StartRunRequest("voice-agent-builder", input, "bench"))));
        var approvals = 0;
        while (wall.Elapsed < TimeSpan.FromMinutes(15))
        {
            var waiting = new List<string>();
            var open = 0L;
            await using (var command = _db.CreateCommand(
                "SELECT run_id, status FROM oa_runs WHERE run_id = ANY($1) AND status IN ('pending', 'running', 'waiting_for_input')"))
            {
                command.Parameters.AddWithValue(ids.ToArray());
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    open++;
                    if (reader.GetString(1) == "waiting_for_input")
                    {
                        waiting.Add(reader.GetString(0));
                    }
                }
            }

            if (open == 0)
            {
                break;
            }

            foreach (var id in waiting)
            {
                try
                {
                    await Cluster.GetGrain<IAgentRunGrain>(id).ApproveAsync("bench");
                    approvals++;
                }
                catch (RunStateException)
                {
                    // Already approved (the runs table is a moment behind): the next poll sees it running.
                }
            }

            await Task.Delay(50);
        }

        await WaitAllTerminalAsync(ids, TimeSpan.FromMinutes(5));
        var overheads = new List<double>();
        var byIndex = new Dictionary<int, List<double>>();
        var totalSteps = 0;
        foreach (var id in ids)
        {
            await using var command = _db.CreateCommand("SELECT type, at, data::text FROM oa_run_events WHERE run_id = $1 ORDER BY seq");
            command.Parameters.AddWithValue(id);
            await using var reader = await command.ExecuteReaderAsync();
            DateTime? previous = null;
            var waited = false;
            var index = 0;
            while (await reader.ReadAsync())
            {
                var type = reader.GetString(0);
                var at = reader.GetDateTime(1);
                if (type is "run.started")
                {
                    previous = at;
                }
                else if (type is "input.requested" or "input.approved")
                {
                    waited = true; // a person's time is not the loop's
                }
                else if (type is "step.completed")
                {
                    using var data = System.Text.Json.JsonDocument.Parse(reader.GetString(2));
                    var body = data.RootElement.GetProperty("durationMs").GetDouble();
                    if (previous is { } p && !waited)
                    {
                        var overhead = (at - p).TotalMilliseconds - body;
                        overheads.Add(overhead);
                        (byIndex.TryGetValue(index, out var list) ? list : byIndex[index] = []).Add(overhead);
                    }

                    previous = at;
                    waited = false;
                    totalSteps++;
                    index++;
                }
            }
        }

        var longest = byIndex.Keys.DefaultIfEmpty(0).Max();
        var first10 = Median(byIndex.Where(p => p.Key is >= 0 and <= 9).SelectMany(p => p.Value));
        var last10 = Median(byIndex.Where(p => p.Key > longest - 10).SelectMany(p => p.Value));
        overheads.Sort();
        var result = new WorkloadResult("A1");
        result.Figures["runs"] = runs;
        result.Figures["steps"] = totalSteps;
        result.Figures["steps_per_run"] = (double)totalSteps / runs;
        result.Figures["revision_rounds"] = rounds;
        result.Figures["approvals"] = approvals;
        result.Figures["first10_overhead_median_ms"] = first10;
        result.Figures[$"steps_{longest - 9}_{longest}_overhead_median_ms"] = last10;
        result.Figures["overhead_ratio"] = last10 / first10;
        result.Figures["wall_s"] = wall.Elapsed.TotalSeconds;
        result.Figures["overhead_p50_ms"] = Percentile(overheads, 0.50);
        result.Figures["overhead_p99_ms"] = Percentile(overheads, 0.99);
        result.Figures["overhead_mean_ms"] = overheads.Average();
        result.Figures["path"] = "orleans-client";
        SampleMemory();
        return result;
    }

    /// <summary>Starts bench runs concurrently and returns their IDs without waiting.</summary>
    public async Task<List<string>> StartRunsAsync(string prefix, int runs, int steps, int stepMs, string owner = "bench")
    {
        var ids = Enumerable.Range(0, runs).Select(i => $"{prefix}-{i}-{Guid.NewGuid():N}").ToList();
        await Task.WhenAll(ids.Select(id => Cluster.GetGrain<IAgentRunGrain>(id).StartAsync(Request(steps, stepMs, 200) with { Owner = owner })));
        return ids;
    }

    public NpgsqlDataSource Database => _db;

    public async Task WaitAllTerminalAsync(List<string> ids, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await using var command = _db.CreateCommand(
                    "SELECT count(*) FROM oa_runs WHERE run_id = ANY($1) AND status IN ('succeeded', 'failed', 'cancelled')");
                command.Parameters.AddWithValue(ids.ToArray());
                if ((long)(await command.ExecuteScalarAsync())! == ids.Count)
                {
                    return;
                }
            }
            catch (NpgsqlException)
            {
                // PostgreSQL is down (outage drill): keep waiting.
            }

            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"{ids.Count} runs did not finish in {timeout}.");
            }

            await Task.Delay(50);
        }
    }

    private async Task<Dictionary<string, (string Status, DateTimeOffset UpdatedAt)>> ReadFinishedAsync(List<string> ids)
    {
        var finished = new Dictionary<string, (string, DateTimeOffset)>();
        await using var command = _db.CreateCommand("SELECT run_id, status, updated_at FROM oa_runs WHERE run_id = ANY($1)");
        command.Parameters.AddWithValue(ids.ToArray());
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            finished[reader.GetString(0)] = (reader.GetString(1), new DateTimeOffset(reader.GetDateTime(2), TimeSpan.Zero));
        }

        return finished;
    }

    private async Task<Dictionary<string, string>> ReadSilosAsync(List<string> ids)
    {
        var silos = new Dictionary<string, string>();
        await using var command = _db.CreateCommand("SELECT run_id, silo FROM oa_runs WHERE run_id = ANY($1)");
        command.Parameters.AddWithValue(ids.ToArray());
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            silos[reader.GetString(0)] = reader.GetString(1);
        }

        return silos;
    }

    /// <summary>Committed steps that appear twice in a run's journal: must be 0.</summary>
    private async Task<long> CountDuplicateCommitsAsync(List<string> ids)
    {
        await using var command = _db.CreateCommand(
            """
            SELECT count(*) FROM (
                SELECT run_id, data->>'step' FROM oa_run_events
                 WHERE run_id = ANY($1) AND type = 'step.completed'
                 GROUP BY 1, 2 HAVING count(*) > 1) d
            """);
        command.Parameters.AddWithValue(ids.ToArray());
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Runs whose events are not exactly 1..N: must be 0.</summary>
    private async Task<long> CountRunsWithGapsAsync(List<string> ids)
    {
        await using var command = _db.CreateCommand(
            """
            SELECT count(*) FROM (
                SELECT run_id FROM oa_run_events WHERE run_id = ANY($1)
                 GROUP BY run_id HAVING count(*) <> max(seq) OR min(seq) <> 1) g
            """);
        command.Parameters.AddWithValue(ids.ToArray());
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>worker-N from a silo address: the local cluster gives worker-N silo port 11110 + N.</summary>
    private static string WorkerNameOf(string siloAddress)
    {
        var port = int.Parse(siloAddress.Split(':')[1].Split('@')[0], CultureInfo.InvariantCulture);
        return $"worker-{port - 11110}";
    }

    private void SampleMemory()
    {
        var pids = Path.Combine(_settings.DataDirectory, "pids");
        if (!Directory.Exists(pids))
        {
            return;
        }

        foreach (var file in Directory.GetFiles(pids, "*.pid"))
        {
            var name = Path.GetFileNameWithoutExtension(file);
            try
            {
                var pid = File.ReadAllText(file).Trim();
                var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
                if (line is not null)
                {
                    var kb = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
                    _peakRssKb[name] = Math.Max(_peakRssKb.GetValueOrDefault(name), kb);
                }
            }
            catch (IOException)
            {
                // The process is gone (W3 killed it); keep what was sampled before.
            }
        }
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}
