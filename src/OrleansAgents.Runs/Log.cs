using Microsoft.Extensions.Logging;

namespace OrleansAgents;

/// <summary>Every log message of the runs project, source-generated, each with its event ID and the run it concerns.</summary>
internal static partial class Log
{
    // 1000-1099: a run's life.
    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "Run {RunId} started: agent {Agent}, owner {Owner}")]
    public static partial void RunStarted(ILogger logger, string runId, string agent, string owner);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Run {RunId} resumed at step {Step} after seq {LastSeq}")]
    public static partial void RunResumed(ILogger logger, string runId, int step, long lastSeq);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Run {RunId} succeeded after {Steps} steps")]
    public static partial void RunSucceeded(ILogger logger, string runId, int steps);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Run {RunId} cancelled")]
    public static partial void RunCancelled(ILogger logger, string runId);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "Run {RunId} cancel not recorded yet, trying again: {Reason}")]
    public static partial void CancelDeferred(ILogger logger, string runId, string reason);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Information, Message = "Run {RunId} waits for input at step {Step} ({Kind})")]
    public static partial void Waiting(ILogger logger, string runId, int step, string kind);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Information, Message = "Run {RunId} step {Step} request answered: approved {Approved}")]
    public static partial void InputDecided(ILogger logger, string runId, int step, bool approved);

    [LoggerMessage(EventId = 1015, Level = LogLevel.Information, Message = "Run {RunId}: an answer to the question asked at seq {RequestSeq} was refused: it {Reason}")]
    public static partial void AnswerRefused(ILogger logger, string runId, long requestSeq, string reason);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Information, Message = "Run {RunId} removed by retention")]
    public static partial void RunExpired(ILogger logger, string runId);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Information, Message = "Run {RunId} upgraded: agent {Agent} version {From} is hosted nowhere; going on with {To}")]
    public static partial void RunUpgraded(ILogger logger, string runId, string agent, string from, string to);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Warning, Message = "Run {RunId} waits for a silo hosting agent {Agent} version {Version} (the agent pins its runs)")]
    public static partial void RunPinned(ILogger logger, string runId, string agent, string version);

    [LoggerMessage(EventId = 1014, Level = LogLevel.Information, Message = "Run {RunId} moves to a silo hosting agent {Agent} version {Version}")]
    public static partial void RunMoving(ILogger logger, string runId, string agent, string version);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Warning, Message = "Run {RunId} step {Step} failed")]
    public static partial void StepFailed(ILogger logger, string runId, int step, Exception exception);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Warning, Message = "Run {RunId} step {Step} attempt {Attempt} failed transiently: {Error}")]
    public static partial void StepRetrying(ILogger logger, string runId, int step, int attempt, string error);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Error, Message = "Run {RunId} step {Step} result refused by PostgreSQL (try {Attempt}): {Reason}")]
    public static partial void ResultRefused(ILogger logger, string runId, int step, int attempt, string reason);

    [LoggerMessage(EventId = 1013, Level = LogLevel.Error, Message = "Run {RunId} loop stopped; the run resumes from its journal on the next activation")]
    public static partial void LoopStopped(ILogger logger, string runId, Exception exception);

    [LoggerMessage(EventId = 1020, Level = LogLevel.Debug, Message = "Run {RunId} live publish from seq {Seq} failed (subscribers fill the gap from the journal): {Reason}")]
    public static partial void PublishFailed(ILogger logger, string runId, long seq, string reason);

    [LoggerMessage(EventId = 1030, Level = LogLevel.Information, Message = "Run {RunId} keep-alive reminder not registered yet: {Reason}")]
    public static partial void ReminderRegistrationDeferred(ILogger logger, string runId, string reason);

    [LoggerMessage(EventId = 1031, Level = LogLevel.Information, Message = "Run {RunId} removing its keep-alive reminder is deferred to its next tick: {Reason}")]
    public static partial void ReminderCleanupDeferred(ILogger logger, string runId, string reason);

    // 1100-1199: commits.
    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "Run {RunId}: another activation took the run over at seq {OwnerSeq}; this one stops and lets go")]
    public static partial void Superseded(ILogger logger, string runId, long ownerSeq);

    [LoggerMessage(EventId = 1100, Level = LogLevel.Warning, Message = "Run {RunId} commit at seq {Seq} collided with stored events; reloading the journal")]
    public static partial void CommitConflict(ILogger logger, string runId, long seq, Exception exception);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Warning, Message = "Run {RunId}: the snapshot as of seq {Seq} cannot be used by this agent version; replaying the whole journal")]
    public static partial void SnapshotUnreadable(ILogger logger, string runId, long seq, Exception? exception = null);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Warning, Message = "Run {RunId}: no snapshot as of seq {Seq}, its agent's memory could not be written")]
    public static partial void SnapshotNotWritten(ILogger logger, string runId, long seq, Exception exception);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Warning, Message = "Run {RunId} not started: owner {Owner} has {Count} unfinished runs, the limit is {Limit}")]
    public static partial void OwnerQuotaReached(ILogger logger, string runId, string owner, int count, int limit);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Debug, Message = "Run {RunId}: a draft of step {Step}'s text was not committed; the next carries it: {Reason}")]
    public static partial void DraftNotCommitted(ILogger logger, string runId, int step, string reason);

    [LoggerMessage(EventId = 1110, Level = LogLevel.Warning, Message = "Journal commit of {Count} runs failed transiently; retrying in {DelayMs} ms: {Reason}")]
    public static partial void JournalRetrying(ILogger logger, int count, double delayMs, string reason);

    [LoggerMessage(EventId = 1111, Level = LogLevel.Error, Message = "Journal commit of {Count} runs gave up: PostgreSQL unreachable past the retry limit")]
    public static partial void JournalGaveUp(ILogger logger, int count, Exception exception);

    [LoggerMessage(EventId = 1112, Level = LogLevel.Debug, Message = "Journal batch of {Count} failed ({Reason}); committing one by one")]
    public static partial void JournalSplitting(ILogger logger, int count, string reason);

    // 1200-1299: recovery.
    [LoggerMessage(EventId = 1200, Level = LogLevel.Information, Message = "Silo {Silo} declared dead: waking {Count} unfinished runs")]
    public static partial void Recovering(ILogger logger, SiloAddress silo, int count);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Information, Message = "Woke {Count} runs of dead silo {Silo} in {Elapsed}")]
    public static partial void Recovered(ILogger logger, SiloAddress silo, int count, TimeSpan elapsed);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Warning, Message = "Recovery of runs of dead silo {Silo} failed; their reminders remain the backstop")]
    public static partial void RecoveryFailed(ILogger logger, SiloAddress silo, Exception exception);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Information, Message = "Start-up sweep: waking {Count} unfinished runs whose silo is gone")]
    public static partial void Sweeping(ILogger logger, int count);

    [LoggerMessage(EventId = 1204, Level = LogLevel.Warning, Message = "Start-up sweep failed; reminders remain the backstop")]
    public static partial void SweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1205, Level = LogLevel.Warning, Message = "Recovery could not wake run {RunId} within its retry limit; its reminder, if any, is the backstop: {Reason}")]
    public static partial void WakeGaveUp(ILogger logger, string runId, string reason);

    [LoggerMessage(EventId = 1206, Level = LogLevel.Information, Message = "Run {RunId} woken after its activation went away (attempt {Attempt})")]
    public static partial void Woken(ILogger logger, string runId, int attempt);

    [LoggerMessage(EventId = 1207, Level = LogLevel.Warning, Message = "Waking run {RunId} failed after {Attempt} attempts; its reminder, if any, is the backstop: {Reason}")]
    public static partial void WakeFailed(ILogger logger, string runId, int attempt, string reason);

    // 1300-1399: retention.
    [LoggerMessage(EventId = 1300, Level = LogLevel.Information, Message = "Retention removed {Count} runs finished before {Cutoff}")]
    public static partial void RetentionSwept(ILogger logger, int count, DateTimeOffset cutoff);

    [LoggerMessage(EventId = 1301, Level = LogLevel.Warning, Message = "Retention sweep failed; trying again next period: {Reason}")]
    public static partial void RetentionFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 1400, Level = LogLevel.Information, Message = "Run {RunId} step {Step} sleeps until {Until:O}")]
    public static partial void Sleeping(ILogger logger, string runId, int step, DateTimeOffset until);

    [LoggerMessage(EventId = 1401, Level = LogLevel.Information, Message = "Run {RunId} step {Step} woke {LateMs:F0} ms after its time")]
    public static partial void TimerFired(ILogger logger, string runId, int step, double lateMs);

    [LoggerMessage(EventId = 1402, Level = LogLevel.Information, Message = "Run {RunId} step {Step} waits for {Unfinished} child runs")]
    public static partial void WaitingForChildren(ILogger logger, string runId, int step, int unfinished);

    [LoggerMessage(EventId = 1403, Level = LogLevel.Warning, Message = "Run {RunId} could not start its child {ChildRunId}: {Reason}")]
    public static partial void ChildNotStarted(ILogger logger, string runId, string childRunId, string reason);

    [LoggerMessage(EventId = 1404, Level = LogLevel.Warning, Message = "Run {RunId} could not tell its parent {ParentRunId} that it ended (the parent's reminder asks): {Reason}")]
    public static partial void ParentNotTold(ILogger logger, string runId, string parentRunId, string reason);

    [LoggerMessage(EventId = 1405, Level = LogLevel.Warning, Message = "Run {RunId} could not cancel its child {ChildRunId}: {Reason}")]
    public static partial void ChildNotCancelled(ILogger logger, string runId, string childRunId, string reason);
}
