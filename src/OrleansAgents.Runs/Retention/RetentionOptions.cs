using OrleansAgents.Hosting;

namespace OrleansAgents.Runs.Retention;

/// <summary>How long finished runs are kept. Section <c>OrleansAgents:Retention</c>.</summary>
public sealed class RetentionOptions
{
    public const string SectionName = "OrleansAgents:Retention";

    /// <summary>
    /// Remove a run this long after it ended: its header, journal, runs row, execution audit, stream state and
    /// reminder. Null (the default): keep every run.
    /// </summary>
    [SettingRange(typeof(TimeSpan), "00:00:00.0000001", "10675199.02:48:05.4775807", ErrorMessage = "OrleansAgents:Retention:FinishedRuns must be positive (or unset to keep every run).")]
    public TimeSpan? FinishedRuns { get; set; }

    /// <summary>How often each worker looks for runs to remove.</summary>
    [SettingRange(typeof(TimeSpan), "00:00:00.0000001", "10675199.02:48:05.4775807", ErrorMessage = "OrleansAgents:Retention:SweepPeriod must be positive.")]
    public TimeSpan SweepPeriod { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Runs read per query; a sweep goes on batch by batch until none is due.</summary>
    [SettingRange(1, 10_000, ErrorMessage = "OrleansAgents:Retention:BatchSize must be from 1 to 10000.")]
    public int BatchSize { get; set; } = 100;

    /// <summary>Runs removed at once (each is one activation and a few statements).</summary>
    [SettingRange(1, 256, ErrorMessage = "OrleansAgents:Retention:Concurrency must be from 1 to 256.")]
    public int Concurrency { get; set; } = 4;
}
