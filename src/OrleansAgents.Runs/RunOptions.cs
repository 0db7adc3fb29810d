using Microsoft.Extensions.Options;
using OrleansAgents.Hosting;

namespace OrleansAgents.Runs;

/// <summary>How runs behave on a silo. Section <c>OrleansAgents:Runs</c>.</summary>
public sealed class RunOptions
{
    public const string SectionName = "OrleansAgents:Runs";

    /// <summary>
    /// Period of the keep-alive reminder every unfinished run holds. It is the backstop that brings a run
    /// back when its silo dies and nothing else wakes it; dead-silo recovery normally acts first.
    /// </summary>
    [SettingRange(typeof(TimeSpan), "00:00:05", "10675199.02:48:05.4775807", ErrorMessage = "OrleansAgents:Runs:ReminderPeriod must be at least 5 seconds.")]
    public TimeSpan ReminderPeriod { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a run goes before it registers its keep-alive reminder. Runs shorter than this never write
    /// one (it costs two database round trips per run); dead-silo recovery and the start-up sweep cover them.
    /// </summary>
    public TimeSpan ReminderDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a deactivating run waits for its in-flight commit before letting go.</summary>
    public TimeSpan DeactivationDrainTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Attempts per step in all, counting the first, when failures are transient (HTTP 429/5xx, timeouts).</summary>
    [SettingRange(1, 100, ErrorMessage = "OrleansAgents:Runs:MaxAttempts must be from 1 to 100.")]
    public int MaxAttempts { get; set; } = 4;

    /// <summary>Backoff before the second attempt; doubles with each further attempt, with jitter.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest backoff between attempts.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How many of a dead silo's runs a survivor wakes at once. Each wake activates a run, which reads its
    /// header and journal: with 64 at once the woken runs queued for PostgreSQL connections (70 runs took
    /// 1.7 s to wake, their first journal read 465 ms at p50); 8 at a time took 0.6-0.8 s for all 70.
    /// Raise it with the connection pool.
    /// </summary>
    [SettingRange(1, 1024, ErrorMessage = "OrleansAgents:Runs:RecoveryWakeConcurrency must be from 1 to 1024.")]
    public int RecoveryWakeConcurrency { get; set; } = 8;

    /// <summary>
    /// How long recovery keeps trying to list a dead silo's runs and wake each one (PostgreSQL may be down
    /// when the silo dies). A run not woken by then is left to its keep-alive reminder, if it has one.
    /// </summary>
    [SettingRange(typeof(TimeSpan), "00:00:00.0000001", "10675199.02:48:05.4775807", ErrorMessage = "OrleansAgents:Runs:RecoveryRetryLimit must be positive.")]
    public TimeSpan RecoveryRetryLimit { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long a run whose agent pins its version (<see cref="Agents.AgentUpgradePolicy.Pin"/>) waits for a silo
    /// that hosts that version, after a deploy removed it from every silo, before it fails.
    /// </summary>
    [SettingRange(typeof(TimeSpan), "00:00:00.0000001", "10675199.02:48:05.4775807", ErrorMessage = "OrleansAgents:Runs:PinTimeout must be positive.")]
    public TimeSpan PinTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Per-attempt timeout of a step, unless its agent or tool sets its own.</summary>
    [SettingRange(typeof(TimeSpan), "00:00:00.0000001", "10675199.02:48:05.4775807", ErrorMessage = "OrleansAgents:Runs:StepTimeout must be positive.")]
    public TimeSpan StepTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// A run writes a snapshot of its state (and its agent's memory) with the commit that takes it this many steps
    /// past its last one, so a resume reads the snapshot and at most this many steps' events.
    /// </summary>
    [SettingRange(1, int.MaxValue, ErrorMessage = "OrleansAgents:Runs:SnapshotEverySteps must be at least 1.")]
    public int SnapshotEverySteps { get; set; } = 100;

    /// <summary>... or with the commit that takes its journal this many bytes past the last snapshot (4 MiB).</summary>
    [SettingRange(typeof(long), "1024", "9223372036854775807", ErrorMessage = "OrleansAgents:Runs:SnapshotEveryBytes must be at least 1024.")]
    public long SnapshotEveryBytes { get; set; } = 4L << 20;

    /// <summary>
    /// How often a step's streamed model text is committed as a draft (<c>step.delta</c>): the pieces that arrive
    /// within this interval go in one event, through the group commit. Drafts make the text resumable (a client
    /// that reconnects, or reads the run later, sees exactly the text that was streamed); a shorter interval shows
    /// text sooner and writes more events. 50 ms: text arrives about twenty times a second, as the model streams it;
    /// on the offline model that is 69 % more events than 250 ms gave and 2 % more bytes, at no measurable cost per step (A1).
    /// </summary>
    [SettingRange(typeof(TimeSpan), "00:00:00.0000001", "00:00:10", ErrorMessage = "OrleansAgents:Runs:DraftInterval must be more than 0 and at most 10 seconds.")]
    public TimeSpan DraftInterval { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Limits per step, run and owner (<c>OrleansAgents:Runs:Quotas</c>).</summary>
    [ValidateObjectMembers]
    public RunQuotaOptions Quotas { get; set; } = new();
}
