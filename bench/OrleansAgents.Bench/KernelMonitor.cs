using System.Globalization;

namespace OrleansAgents.Bench;

/// <summary>
/// The CPU time of the kernel's DAMON threads (<c>kdamond.*</c>), which some virtual machines run to monitor and
/// reclaim memory. On the two-core VM this bench was tuned on, one samples physical memory every 0.5 s and holds a
/// core for 15-30 ms each time (the kernel is not preemptible there), which alone exceeds E1's 25 ms budget when it
/// lands on a burst of commits; a latency figure is read beside it (bench/README.md, "the machine's memory monitor").
/// </summary>
internal static class KernelMonitor
{
    private const double MsPerTick = 1000.0 / 100; // USER_HZ: 100 on Linux

    /// <summary>The DAMON threads' CPU time so far, in ms; null where there are none (or no /proc).</summary>
    public static double? CpuMs()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        double? total = null;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            var pid = Path.GetFileName(dir);
            if (pid.Length == 0 || !char.IsAsciiDigit(pid[0]))
            {
                continue;
            }

            try
            {
                if (!File.ReadAllText(Path.Combine(dir, "comm")).StartsWith("kdamond", StringComparison.Ordinal))
                {
                    continue;
                }

                // utime and stime are fields 14 and 15; counted from after the name (field 2, in parentheses): 11 and 12.
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                total = (total ?? 0) + (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) * MsPerTick;
            }
            catch (IOException)
            {
                // the thread went away between the listing and the read
            }
        }

        return total;
    }
}
