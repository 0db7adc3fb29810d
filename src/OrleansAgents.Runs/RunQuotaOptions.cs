using System.ComponentModel.DataAnnotations;
using OrleansAgents.Hosting;

namespace OrleansAgents.Runs;

/// <summary>
/// Limits that keep one run, or one owner, from exhausting a worker or the database. Section
/// <c>OrleansAgents:Runs:Quotas</c>. A run that passes a run limit fails with an error naming it; a start
/// past the owner limit is refused (<see cref="RunQuotaExceededException"/>). Nothing already committed is lost.
/// </summary>
public sealed class RunQuotaOptions : IValidatableObject
{
    public const string SectionName = "OrleansAgents:Runs:Quotas";

    /// <summary>The largest result one step may commit, in bytes of UTF-8 JSON (1 MiB).</summary>
    [SettingRange(1024, int.MaxValue, ErrorMessage = "OrleansAgents:Runs:Quotas:MaxStepResultBytes must be at least 1024.")]
    public int MaxStepResultBytes { get; set; } = 1 << 20;

    /// <summary>The most bytes a run's journal may hold, event data counted as UTF-8 (256 MiB).</summary>
    public long MaxJournalBytes { get; set; } = 256L << 20;

    /// <summary>The most steps one run may commit (10,000).</summary>
    [SettingRange(1, int.MaxValue, ErrorMessage = "OrleansAgents:Runs:Quotas:MaxSteps must be at least 1.")]
    public int MaxSteps { get; set; } = 10_000;

    /// <summary>The most unfinished runs (pending, running, waiting for input) one owner may have; a start past it is refused (100).</summary>
    [SettingRange(1, int.MaxValue, ErrorMessage = "OrleansAgents:Runs:Quotas:MaxUnfinishedRunsPerOwner must be at least 1.")]
    public int MaxUnfinishedRunsPerOwner { get; set; } = 100;

    /// <summary>The most child runs one run may start, over all its steps (100).</summary>
    [SettingRange(0, 100_000, ErrorMessage = "OrleansAgents:Runs:Quotas:MaxChildrenPerRun must be from 0 to 100000.")]
    public int MaxChildrenPerRun { get; set; } = 100;

    /// <summary>How deep child runs may nest: a top-level run is depth 0, its children depth 1 (5).</summary>
    [SettingRange(0, 100, ErrorMessage = "OrleansAgents:Runs:Quotas:MaxRunDepth must be from 0 to 100.")]
    public int MaxRunDepth { get; set; } = 5;

    /// <summary>The longest a step may sleep on a durable timer (400 days).</summary>
    public TimeSpan MaxSleep { get; set; } = TimeSpan.FromDays(400);

    /// <summary>The configuration key of a limit, as errors name it.</summary>
    public static string Key(string name) => $"{SectionName}:{name}";

    /// <summary>The rule across limits: a journal holds at least one step result.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxJournalBytes < MaxStepResultBytes)
        {
            yield return new ValidationResult($"{Key(nameof(MaxJournalBytes))} must be at least MaxStepResultBytes.", [nameof(MaxJournalBytes)]);
        }

        if (MaxSleep <= TimeSpan.Zero)
        {
            yield return new ValidationResult($"{Key(nameof(MaxSleep))} must be positive.", [nameof(MaxSleep)]);
        }
    }
}
