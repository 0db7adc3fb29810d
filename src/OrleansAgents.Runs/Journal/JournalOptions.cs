using OrleansAgents.Hosting;

namespace OrleansAgents.Journal;

/// <summary>How the silo commits run journals to PostgreSQL. Section <c>OrleansAgents:Journal</c>.</summary>
public sealed class JournalOptions
{
    public const string SectionName = "OrleansAgents:Journal";

    /// <summary>
    /// Most run commits grouped into one PostgreSQL statement. Commits from concurrent runs share a
    /// round trip and a WAL flush (group commit).
    /// </summary>
    [SettingRange(1, 10_000, ErrorMessage = "OrleansAgents:Journal:MaxBatchSize must be from 1 to 10000.")]
    public int MaxBatchSize { get; set; } = 512;

    /// <summary>Writer loops committing batches in parallel, each on its own connection.</summary>
    [SettingRange(1, 64, ErrorMessage = "OrleansAgents:Journal:Writers must be from 1 to 64.")]
    public int Writers { get; set; } = 2;

    /// <summary>
    /// How long a commit keeps retrying while PostgreSQL is unreachable before the run gives up the
    /// commit (the run stays where it was and resumes later from its last committed step).
    /// </summary>
    public TimeSpan UnavailableRetryLimit { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Record every step body start in <c>oa_step_executions</c> (drills and tests; costs one commit per step).</summary>
    public bool AuditStepExecutions { get; set; }
}
