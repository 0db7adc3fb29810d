namespace OrleansAgents.Runs.Retention;

/// <summary>How long finished runs are kept. Section <c>OrleansAgents:Retention</c>.</summary>
public sealed class RetentionOptions
{
    public const string SectionName = "OrleansAgents:Retention";

    /// <summary>
    /// Remove a run this long after it ended: its header, journal, runs row, execution audit, stream state and
    /// reminder. Null (the default): keep every run.
    /// </summary>
    public TimeSpan? FinishedRuns { get; set; }

    /// <summary>How often each worker looks for runs to remove.</summary>
    public TimeSpan SweepPeriod { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Runs read per query; a sweep goes on batch by batch until none is due.</summary>
    public int BatchSize { get; set; } = 100;

    /// <summary>Runs removed at once (each is one activation and a few statements).</summary>
    public int Concurrency { get; set; } = 4;
}
