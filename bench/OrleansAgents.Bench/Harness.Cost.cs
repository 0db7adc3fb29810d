using System.Globalization;

namespace OrleansAgents.Bench;

/// <summary>C1: what one committed step costs the machine, for docs/SCALING.md.</summary>
internal sealed partial class Harness
{
    private const double ClockTicksPerSecond = 100; // Linux USER_HZ

    /// <summary>
    /// W1-shaped load (<paramref name="runs"/> runs × <paramref name="steps"/> steps of <paramref name="bytes"/> B, no
    /// step time): CPU of the worker silos and of every PostgreSQL process per committed step, WAL bytes per step
    /// (<c>pg_current_wal_lsn</c>) and table bytes per step (events, runs and snapshots, indexes and TOAST included).
    /// </summary>
    public async Task<WorkloadResult> RunCostModelAsync(int runs, int steps, int bytes)
    {
        var before = await SampleCostAsync();
        var (ids, _, t0) = await StartAndWaitAsync(runs, steps, 0, bytes);
        var finished = await ReadFinishedAsync(ids);
        var wall = (finished.Values.Max(f => f.UpdatedAt) - t0).TotalSeconds;
        var after = await SampleCostAsync();
        var committed = (double)runs * steps;

        var result = new WorkloadResult("C1");
        result.Figures["runs"] = runs;
        result.Figures["steps"] = committed;
        result.Figures["bytes"] = bytes;
        result.Figures["steps_per_s"] = committed / wall;
        result.Figures["worker_cpu_us_per_step"] = (after.WorkerTicks - before.WorkerTicks) / ClockTicksPerSecond * 1e6 / committed;
        result.Figures["postgres_cpu_us_per_step"] = (after.PostgresTicks - before.PostgresTicks) / ClockTicksPerSecond * 1e6 / committed;
        result.Figures["wal_bytes_per_step"] = (double)(after.WalBytes - before.WalBytes) / committed;
        result.Figures["table_bytes_per_step"] = (double)(after.TableBytes - before.TableBytes) / committed;
        result.Figures["path"] = "orleans-client";
        return result;
    }

    private async Task<(long WorkerTicks, long PostgresTicks, long WalBytes, long TableBytes)> SampleCostAsync()
    {
        await using var command = _db.CreateCommand(
            """
            SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint,
                   pg_total_relation_size('oa_run_events') + pg_total_relation_size('oa_runs') + pg_total_relation_size('oa_run_snapshots')
            """);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        var wal = reader.GetInt64(0);
        var tables = reader.GetInt64(1);

        var pids = Path.Combine(_settings.DataDirectory, "pids");
        var workers = Directory.GetFiles(pids, "worker-*.pid").Sum(f => CpuTicks(File.ReadAllText(f).Trim(), children: false));
        var postmaster = File.ReadLines(Path.Combine(_settings.DataDirectory, "postgres", "postmaster.pid")).First().Trim();
        var postgres = CpuTicks(postmaster, children: true)
            + Directory.GetDirectories("/proc").Select(Path.GetFileName).Where(p => p!.All(char.IsAsciiDigit) && ParentOf(p!) == postmaster).Sum(p => CpuTicks(p!, children: false));
        return (workers, postgres, wal, tables);
    }

    /// <summary>utime + stime of a process (and, with <paramref name="children"/>, of its children that have exited).</summary>
    private static long CpuTicks(string pid, bool children)
    {
        try
        {
            var fields = StatFields(pid);
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return children ? ticks + long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture) : ticks;
        }
        catch (IOException)
        {
            return 0; // exited meanwhile
        }
    }

    private static string? ParentOf(string pid)
    {
        try
        {
            return StatFields(pid)[1];
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>The fields of /proc/PID/stat after the command name (field 3, the state, is index 0).</summary>
    private static string[] StatFields(string pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    }
}
