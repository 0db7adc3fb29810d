using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using OrleansAgents.Agents;

namespace OrleansAgents.Runs.Core;

/// <summary>
/// A run as its journal tells it, and nothing else: the one fold of the run's state machine
/// (<see cref="Apply"/>: state + event → state). Immutable; no I/O. The grain keeps the current state,
/// replays it on activation (from its last snapshot and the events after it), and applies each commit's
/// events once they are durable. It is bounded: counters, the pending step and its gate, and the agent's
/// <see cref="AgentMemory"/>; never the run's history.
/// </summary>
internal sealed record RunState
{
    public static readonly RunState Empty = new();

    /// <summary>The sequence number of the last event applied.</summary>
    public long LastSeq { get; init; }

    /// <summary>When the last event was committed.</summary>
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Whether <c>run.started</c> is in the journal.</summary>
    public bool Started { get; init; }

    /// <summary>How many steps are committed.</summary>
    public int StepsDone { get; init; }

    /// <summary>The agent's memory of the committed steps (unbound until the run knows its agent: <see cref="UnboundMemory"/>).</summary>
    public AgentMemory Memory { get; init; } = AgentMemory.None;

    /// <summary>Bytes of event data in the journal (UTF-8), for <see cref="RunQuotaOptions.MaxJournalBytes"/> and snapshots.</summary>
    public long JournalBytes { get; init; }

    /// <summary><see cref="StepsDone"/> as of the last snapshot (0: none yet).</summary>
    public int SnapshotSteps { get; init; }

    /// <summary><see cref="JournalBytes"/> as of the last snapshot.</summary>
    public long SnapshotBytes { get; init; }

    /// <summary>Steer messages, in order.</summary>
    public ImmutableList<string> Messages { get; init; } = [];

    /// <summary>Idempotency keys of the commands applied so far, each with a fingerprint of its command.</summary>
    public ImmutableDictionary<string, string> CommandKeys { get; init; } = ImmutableDictionary.Create<string, string>(StringComparer.Ordinal);

    /// <summary>Model tokens of the committed steps (of the whole run, once ended).</summary>
    public RunUsage Usage { get; init; } = RunUsage.Zero;

    /// <summary>The step durably started and not yet completed: the one to run (again) next.</summary>
    public StepPlan? Pending { get; init; }

    /// <summary>When the pending step was started (<c>step.started</c>).</summary>
    public DateTimeOffset PendingSince { get; init; }

    /// <summary>Where the pending step stands between its start and its result.</summary>
    public StepGate Gate { get; init; }

    /// <summary>The open request while <see cref="Gate"/> is <see cref="StepGate.Requested"/>.</summary>
    public InputRequest? Request { get; init; }

    /// <summary>
    /// The seq of the <c>input.requested</c> that asked <see cref="Request"/> (0 while nothing is asked): what names the
    /// question, since one step can be asked twice (approval, then outcome unknown).
    /// </summary>
    public long RequestSeq { get; init; }

    /// <summary>Whether a person approved the pending step (it needs asking no more).</summary>
    public bool Approved { get; init; }

    /// <summary>Why a person rejected the pending step, once <see cref="Gate"/> is <see cref="StepGate.Rejected"/>.</summary>
    public string? RejectionReason { get; init; }

    /// <summary>Failed attempts of the pending step so far (committed, so a restart does not reset them).</summary>
    public int FailedAttempts { get; init; }

    /// <summary>Characters of streamed text the pending step's current attempt has drafted (<c>step.delta</c>).</summary>
    public int DraftChars { get; init; }

    /// <summary>
    /// The seq of the last event that ended an attempt's text (<see cref="RunEventTypes.EndsDraft"/>): a draft is
    /// for the attempt that began there, and one from an earlier attempt is stale.
    /// </summary>
    public long DraftFrom { get; init; }

    /// <summary>How the run ended, once it has.</summary>
    public RunOutcome? Outcome { get; init; }

    /// <summary>The agent version the run keeps to now: the one it started with, or the last it upgraded to.</summary>
    public string? AgentVersion { get; init; }

    /// <summary>While the run waits for a silo with its (pinned) version: when it fails if none comes.</summary>
    public VersionWait? WaitingForVersion { get; init; }

    /// <summary>The first event this fold could not explain: the run fails with it instead of going on.</summary>
    public string? Fault { get; init; }

    /// <summary>
    /// The seq of the last <c>run.started</c> or <c>run.resumed</c>: the activation that committed it owns the run
    /// from there. An activation that finds one after it took the run over has been superseded.
    /// </summary>
    public long OwnerSeq { get; init; }

    /// <summary>The activation that recorded <see cref="OwnerSeq"/>.</summary>
    public string? OwnerActivation { get; init; }

    /// <summary>While the pending step sleeps on a durable timer: when it wakes (<c>timer.started</c>).</summary>
    public DateTimeOffset? Timer { get; init; }

    /// <summary>When the pending step's timer was started.</summary>
    public DateTimeOffset TimerSince { get; init; }

    /// <summary>Steer messages when the timer started: one more wakes the sleep early.</summary>
    public int TimerMessages { get; init; }

    /// <summary>The child runs the run started (<c>child.started</c>), in order, each with its outcome once heard (<c>child.finished</c>).</summary>
    public ImmutableList<ChildRun> Children { get; init; } = [];

    /// <summary>Whether the pending step sleeps on a durable timer.</summary>
    public bool IsSleeping => Timer is not null && Pending is not null && !IsTerminal;

    /// <summary>Committed steps, also for a run known only by its terminal event.</summary>
    public int StepCount => Outcome?.Steps ?? StepsDone;

    public bool IsTerminal => Outcome is not null;

    public bool IsWaiting => Gate == StepGate.Requested && !IsTerminal;

    public RunStatus Status => Outcome?.Status ?? (IsWaiting ? RunStatus.WaitingForInput : Started ? RunStatus.Running : RunStatus.Pending);

    /// <summary>A finished run, known from its last (terminal) event alone: no need to read its history.</summary>
    public static RunState Ended(RunEvent terminal) => Empty.Apply(terminal.Seq, EventDraft.FromStored(terminal), terminal.At) with { Started = true };

    /// <summary>The state a journal describes. Never throws: what it cannot explain becomes <see cref="Fault"/>.</summary>
    public static RunState Replay(IEnumerable<RunEvent> events) => Replay(Empty, events);

    /// <summary>
    /// The state after <paramref name="events"/>, from <paramref name="from"/>: the empty state and a whole journal,
    /// or a snapshot and the events after it. Never throws.
    /// </summary>
    public static RunState Replay(RunState from, IEnumerable<RunEvent> events)
    {
        var state = from;
        foreach (var stored in events)
        {
            EventDraft draft;
            try
            {
                draft = EventDraft.FromStored(stored);
            }
            catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
            {
                state = state.Faulted(stored.Seq, stored.Type, $"its data cannot be read ({ex.Message})", stored.At);
                continue;
            }

            state = stored.Seq == state.LastSeq + 1
                ? state.Apply(stored.Seq, draft, stored.At)
                : state.Faulted(stored.Seq, stored.Type, $"it follows seq {state.LastSeq}", stored.At);
        }

        return state;
    }

    /// <summary>The state after one more event. Pure; an event that does not fit becomes <see cref="Fault"/>.</summary>
    public RunState Apply(long seq, EventDraft e, DateTimeOffset at)
    {
        if (IsTerminal)
        {
            return Faulted(seq, e.Type, "the run had already ended", at);
        }

        var bytes = JournalBytes + System.Text.Encoding.UTF8.GetByteCount(e.Data);

        if (RunEventTypes.IsTerminal(e.Type))
        {
            var status = e.Type switch
            {
                RunEventTypes.RunSucceeded => RunStatus.Succeeded,
                RunEventTypes.RunFailed => RunStatus.Failed,
                _ => RunStatus.Cancelled,
            };
            return this with
            {
                LastSeq = seq,
                UpdatedAt = at,
                JournalBytes = bytes,
                Pending = null,
                Gate = StepGate.None,
                Request = null,
                RequestSeq = 0,
                Outcome = new RunOutcome(status, e.Output, e.Text, e.StepCount ?? StepsDone),
                Children = Children.IsEmpty && e.Children is { Count: > 0 } recorded ? [.. recorded] : Children,
                Usage = StepsDone == 0 && e.Usage is { } total ? total : Usage,
            };
        }

        if (Fault is not null)
        {
            return this with { LastSeq = seq, UpdatedAt = at, JournalBytes = bytes }; // nothing more is interpreted until the run fails
        }

        var next = RunEventTypes.EndsDraft(e.Type)
            ? this with { LastSeq = seq, UpdatedAt = at, JournalBytes = bytes, DraftChars = 0, DraftFrom = seq }
            : this with { LastSeq = seq, UpdatedAt = at, JournalBytes = bytes };
        switch (e.Type)
        {
            case RunEventTypes.RunStarted:
                return Started ? Faulted(seq, e.Type, "the run had already started", at) : next with { Started = true, AgentVersion = e.Version, OwnerSeq = seq, OwnerActivation = e.Activation };
            case RunEventTypes.RunResumed:
                return next with { WaitingForVersion = null, OwnerSeq = seq, OwnerActivation = e.Activation }; // resumed with its agent: whatever it waited for is here
            case RunEventTypes.InputMessage:
                return next with { Messages = Messages.Add(e.Text ?? ""), CommandKeys = WithKey(e) };
            case RunEventTypes.RunUpgraded:
                return next with { AgentVersion = e.Version, WaitingForVersion = null };
            case RunEventTypes.RunPinned:
                return next with { WaitingForVersion = new VersionWait(e.Version ?? "", e.Until ?? at) };
            case RunEventTypes.ChildFinished when e.Child is { } ended:
                var known = Children.FindIndex(c => c.RunId == ended.RunId);
                return known < 0 || Children[known].Finished
                    ? Faulted(seq, e.Type, $"child run '{ended.RunId}' was not an unfinished child", at)
                    : next with { Children = Children.SetItem(known, Children[known] with { Status = ended.Status, Result = ended.Result, Error = ended.Error }) };
        }

        if (!Started)
        {
            return Faulted(seq, e.Type, "the run had not started", at);
        }

        if (e.Started is { } plan)
        {
            return Pending is not null || plan.Index != StepsDone
                ? Faulted(seq, e.Type, $"step {plan.Index} cannot start after {StepsDone} steps{(Pending is null ? "" : $" with step {Pending.Index} pending")}", at)
                : next with { Pending = plan, PendingSince = at, Gate = StepGate.None, Request = null, RequestSeq = 0, Approved = false, RejectionReason = null, FailedAttempts = 0, Timer = null };
        }

        if (e.Completed is { } step)
        {
            if (Pending is not { } pending || pending.Index != step.Index)
            {
                return Faulted(seq, e.Type, $"step {step.Index} was not the pending step", at);
            }

            AgentMemory memory;
            try
            {
                memory = Memory.Remember(step with { Args = pending.Args });
            }
            catch (Exception ex)
            {
                return Faulted(seq, e.Type, $"the agent could not take in step {step.Index} ({ex.Message})", at);
            }

            return next with
            {
                StepsDone = StepsDone + 1,
                Memory = memory,
                Usage = Usage.Add(e.Usage),
                Pending = null,
                Gate = StepGate.None,
                Request = null,
                RequestSeq = 0,
                Approved = false,
                RejectionReason = null,
                FailedAttempts = 0,
                Timer = null,
            };
        }

        if (e.Type is not (RunEventTypes.ToolIntent or RunEventTypes.StepDelta or RunEventTypes.StepRetrying or RunEventTypes.InputRequested
            or RunEventTypes.InputApproved or RunEventTypes.InputRejected or RunEventTypes.TimerStarted or RunEventTypes.TimerFired
            or RunEventTypes.ChildStarted))
        {
            return Faulted(seq, e.Type, "this version of the run does not know the event type", at);
        }

        if (Pending is not { } current || (e.Step is { } index && index != current.Index))
        {
            return Faulted(seq, e.Type, $"step {e.Step} is not the pending step", at);
        }

        return e.Type switch
        {
            RunEventTypes.ToolIntent => next with { Gate = StepGate.IntentOpen },
            RunEventTypes.StepDelta => IsWaiting
                ? Faulted(seq, e.Type, "the run was waiting for input", at)
                : next with { DraftChars = DraftChars + (e.Text?.Length ?? 0) },
            RunEventTypes.StepRetrying => next with { FailedAttempts = FailedAttempts + 1 },
            RunEventTypes.TimerStarted => Timer is not null || e.Until is null
                ? Faulted(seq, e.Type, "the step was already sleeping", at)
                : next with { Timer = e.Until, TimerSince = at, TimerMessages = Messages.Count },
            RunEventTypes.TimerFired => Timer is null
                ? Faulted(seq, e.Type, "the step was not sleeping", at)
                : next with { Timer = null },
            RunEventTypes.ChildStarted => e.Child is not { } child || Children.Exists(c => c.RunId == child.RunId)
                ? Faulted(seq, e.Type, $"child run '{e.Child?.RunId}' had already started", at)
                : next with { Children = Children.Add(child) },
            RunEventTypes.InputRequested => IsWaiting
                ? Faulted(seq, e.Type, "the run was already waiting", at)
                : next with { Gate = StepGate.Requested, Request = e.Request, RequestSeq = seq },
            _ when !IsWaiting => Faulted(seq, e.Type, "the run was not waiting for input", at),
            RunEventTypes.InputApproved => next with
            {
                Gate = StepGate.Approved,
                Approved = Approved || Request?.Kind == InputRequestKinds.Approval,
                Request = null,
                RequestSeq = 0,
                CommandKeys = WithKey(e),
            },
            _ => next with { Gate = StepGate.Rejected, RejectionReason = e.Text, Request = null, RequestSeq = 0, CommandKeys = WithKey(e) },
        };
    }

    /// <summary>The same command (type and text) as a key first recorded? Null when the key is new.</summary>
    public bool? IsSameCommand(string key, string type, string? text) =>
        CommandKeys.TryGetValue(key, out var fingerprint) ? fingerprint == Fingerprint(type, text) : null;

    private ImmutableDictionary<string, string> WithKey(EventDraft e) =>
        e.Key is { } key ? CommandKeys.SetItem(key, Fingerprint(e.Type, e.Text)) : CommandKeys;

    private static string Fingerprint(string type, string? text) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{type}\n{text}")))[..16];

    private RunState Faulted(long seq, string type, string reason, DateTimeOffset at) => this with
    {
        LastSeq = seq,
        UpdatedAt = at,
        Fault = Fault ?? $"seq {seq} ({type}): {reason}",
    };
}
