using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;
using OrleansAgents.Agents;

namespace OrleansAgents.Runs.Core;

/// <summary>
/// A run's state as of one commit, so a resume reads it and the events after it instead of the whole journal.
/// It holds what <see cref="RunState"/> holds (counters, usage, steer messages and command keys, the pending
/// step and its gate, owner and version) and the agent's memory as the agent writes it. Written in the same
/// statement as that commit's events (<c>oa_run_snapshots</c>, one row per run); a cache of the fold, never
/// the record: one that cannot be read is ignored and the run replays its journal.
/// </summary>
internal sealed record RunStateSnapshot
{
    /// <summary>The format written; this and <see cref="OldestFormat"/> (which has no timers or children) are read, another is not.</summary>
    public const int CurrentFormat = 2;

    public const int OldestFormat = 1;

    public int Format { get; init; } = CurrentFormat;

    public long Seq { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    public int Steps { get; init; }

    public long JournalBytes { get; init; }

    public required RunUsage Usage { get; init; }

    public required IReadOnlyList<string> Messages { get; init; }

    public required IReadOnlyDictionary<string, string> CommandKeys { get; init; }

    public StepPlan? Pending { get; init; }

    public StepGate Gate { get; init; }

    public InputRequest? Request { get; init; }

    /// <summary>The seq that asked <see cref="Request"/>; absent (0) in snapshots from before it was kept: such a snapshot of a waiting run is not read.</summary>
    public long RequestSeq { get; init; }

    public bool Approved { get; init; }

    public string? RejectionReason { get; init; }

    public int FailedAttempts { get; init; }

    /// <summary>Streamed text drafted by the pending step's current attempt (absent in snapshots before drafts: 0).</summary>
    public int DraftChars { get; init; }

    public long DraftFrom { get; init; }

    public string? AgentVersion { get; init; }

    public VersionWait? WaitingForVersion { get; init; }

    public long OwnerSeq { get; init; }

    public string? OwnerActivation { get; init; }

    public DateTimeOffset? Timer { get; init; }

    public DateTimeOffset PendingSince { get; init; }

    public DateTimeOffset TimerSince { get; init; }

    public int TimerMessages { get; init; }

    public IReadOnlyList<ChildRun>? Children { get; init; }

    /// <summary>The agent's memory (<see cref="AgentMemory.ToJson"/>), as raw JSON.</summary>
    public JsonElement Memory { get; init; }

    /// <summary>Whether a state may be written: started, not ended, nothing it could not explain, and its memory bound.</summary>
    public static bool CanWrite(RunState state) =>
        state.Started && !state.IsTerminal && state.Fault is null && state.Memory is not UnboundMemory;

    public static string Write(RunState state)
    {
        using var memory = JsonDocument.Parse(state.Memory.ToJson());
        var snapshot = new RunStateSnapshot
        {
            Seq = state.LastSeq,
            UpdatedAt = state.UpdatedAt,
            Steps = state.StepsDone,
            JournalBytes = state.JournalBytes,
            Usage = state.Usage,
            Messages = state.Messages,
            CommandKeys = state.CommandKeys,
            Pending = state.Pending,
            Gate = state.Gate,
            Request = state.Request,
            RequestSeq = state.RequestSeq,
            Approved = state.Approved,
            RejectionReason = state.RejectionReason,
            FailedAttempts = state.FailedAttempts,
            DraftChars = state.DraftChars,
            DraftFrom = state.DraftFrom,
            AgentVersion = state.AgentVersion,
            WaitingForVersion = state.WaitingForVersion,
            OwnerSeq = state.OwnerSeq,
            OwnerActivation = state.OwnerActivation,
            Timer = state.Timer,
            PendingSince = state.PendingSince,
            TimerSince = state.TimerSince,
            TimerMessages = state.TimerMessages,
            Children = state.Children.IsEmpty ? null : state.Children,
            Memory = memory.RootElement,
        };
        return JsonSerializer.Serialize(snapshot, RunStateSnapshotJson.Default.RunStateSnapshot);
    }

    /// <summary>The state a snapshot holds, its memory unbound (<see cref="UnboundMemory"/>); null when it cannot be read.</summary>
    public static RunState? Read(string json)
    {
        RunStateSnapshot? s;
        try
        {
            s = JsonSerializer.Deserialize(json, RunStateSnapshotJson.Default.RunStateSnapshot);
        }
        catch (JsonException)
        {
            return null;
        }

        if (s is null || s.Format is < OldestFormat or > CurrentFormat || s.Seq <= 0)
        {
            return null;
        }

        if (s.Gate == StepGate.Requested && s.RequestSeq <= 0)
        {
            // Written before snapshots kept which event asked the open question: an answer that names it could not be
            // checked, so the journal is replayed instead (it tells).
            return null;
        }

        return RunState.Empty with
        {
            LastSeq = s.Seq,
            UpdatedAt = s.UpdatedAt,
            Started = true,
            StepsDone = s.Steps,
            Memory = new UnboundMemory(s.Memory.GetRawText(), AppendOnlyList<CommittedStep>.Empty),
            JournalBytes = s.JournalBytes,
            SnapshotSteps = s.Steps,
            SnapshotBytes = s.JournalBytes,
            Usage = s.Usage,
            Messages = [.. s.Messages],
            CommandKeys = s.CommandKeys.ToImmutableDictionary(StringComparer.Ordinal),
            Pending = s.Pending,
            Gate = s.Gate,
            Request = s.Request,
            RequestSeq = s.RequestSeq,
            Approved = s.Approved,
            RejectionReason = s.RejectionReason,
            FailedAttempts = s.FailedAttempts,
            DraftChars = s.DraftChars,
            DraftFrom = s.DraftFrom,
            AgentVersion = s.AgentVersion,
            WaitingForVersion = s.WaitingForVersion,
            OwnerSeq = s.OwnerSeq,
            OwnerActivation = s.OwnerActivation,
            Timer = s.Timer,
            PendingSince = s.PendingSince,
            TimerSince = s.TimerSince,
            TimerMessages = s.TimerMessages,
            Children = s.Children is null ? [] : [.. s.Children],
        };
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[JsonSerializable(typeof(RunStateSnapshot))]
internal sealed partial class RunStateSnapshotJson : JsonSerializerContext;
