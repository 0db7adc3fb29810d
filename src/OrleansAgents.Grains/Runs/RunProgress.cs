using OrleansAgents.Agents;

namespace OrleansAgents.Runs;

/// <summary>
/// A run's progress as its journal tells it: committed steps, the step started but not committed,
/// and whether the run has ended. Rebuilt from the journal on activation; kept current as commits land.
/// </summary>
internal sealed class RunProgress
{
    private readonly List<CommittedStep> _steps = [];
    private readonly List<string> _messages = [];
    private int? _endedStepCount;

    public long LastSeq { get; private set; }

    public IReadOnlyList<CommittedStep> Steps => _steps;

    /// <summary>Steer messages, in order.</summary>
    public IReadOnlyList<string> Messages => _messages;

    /// <summary>Committed steps, also for a run known only by its terminal event.</summary>
    public int StepCount => _endedStepCount ?? _steps.Count;

    /// <summary>Model tokens of the committed steps.</summary>
    public RunUsage Usage { get; private set; } = RunUsage.Zero;

    /// <summary>When the last event was committed.</summary>
    public DateTimeOffset UpdatedAt { get; private set; }

    /// <summary>The step durably started and not yet committed: the one to run (again) next.</summary>
    public StepPlan? Pending { get; private set; }

    /// <summary>Where the pending step stands between its start and its result.</summary>
    public StepGate Gate { get; private set; }

    /// <summary>The open request while <see cref="Gate"/> is <see cref="StepGate.Requested"/>.</summary>
    public InputRequest? Request { get; private set; }

    /// <summary>Whether a person approved the pending step (it needs asking no more).</summary>
    public bool Approved { get; private set; }

    /// <summary>Why a person rejected the pending step, once <see cref="Gate"/> is <see cref="StepGate.Rejected"/>.</summary>
    public string? RejectionReason { get; private set; }

    /// <summary>Failed attempts of the pending step so far (committed, so a restart does not reset them).</summary>
    public int FailedAttempts { get; private set; }

    /// <summary>The terminal event, once the run has ended.</summary>
    public EventDraft? Terminal { get; private set; }

    public bool IsTerminal => Terminal is not null;

    public bool IsWaiting => Gate == StepGate.Requested && !IsTerminal;

    /// <summary>A finished run, known from its last (terminal) event alone: no need to read its history.</summary>
    public static RunProgress Ended(RunEvent terminal)
    {
        var progress = new RunProgress();
        progress.Apply(terminal.Seq, EventDraft.FromStored(terminal), terminal.At);
        using var doc = System.Text.Json.JsonDocument.Parse(terminal.Data);
        progress._endedStepCount = doc.RootElement.TryGetProperty("steps", out var steps) ? steps.GetInt32() : 0;
        return progress;
    }

    public static RunProgress Replay(IEnumerable<RunEvent> events)
    {
        var progress = new RunProgress();
        foreach (var stored in events)
        {
            if (stored.Seq != progress.LastSeq + 1)
            {
                throw new InvalidOperationException(
                    $"Run '{stored.RunId}' journal has a gap: seq {stored.Seq} follows {progress.LastSeq}.");
            }

            progress.Apply(stored.Seq, EventDraft.FromStored(stored), stored.At);
        }

        return progress;
    }

    public void Apply(long seq, EventDraft draft, DateTimeOffset at)
    {
        LastSeq = seq;
        UpdatedAt = at;
        if (draft.Started is { } plan)
        {
            Pending = plan;
            ResetGate();
        }
        else if (draft.Completed is { } step)
        {
            if (step.Index != _steps.Count)
            {
                throw new InvalidOperationException($"Step {step.Index} committed out of order after {_steps.Count} steps.");
            }

            _steps.Add(Pending is { } started && started.Index == step.Index ? step with { Args = started.Args } : step);
            Usage = Usage.Add(draft.Usage);
            Pending = null;
            ResetGate();
        }
        else if (RunEventTypes.IsTerminal(draft.Type))
        {
            Terminal = draft;
            Pending = null;
            if (draft.Usage is { } total && _steps.Count == 0)
            {
                Usage = total; // known from the terminal event alone
            }
        }
        else
        {
            switch (draft.Type)
            {
                case RunEventTypes.InputMessage:
                    _messages.Add(draft.Text ?? "");
                    break;
                case RunEventTypes.ToolIntent:
                    Gate = StepGate.IntentOpen;
                    break;
                case RunEventTypes.StepRetrying:
                    FailedAttempts++;
                    break;
                case RunEventTypes.InputRequested:
                    Gate = StepGate.Requested;
                    Request = draft.Request;
                    break;
                case RunEventTypes.InputApproved:
                    Approved |= Request?.Kind == InputRequestKinds.Approval;
                    Gate = StepGate.Approved;
                    Request = null;
                    break;
                case RunEventTypes.InputRejected:
                    Gate = StepGate.Rejected;
                    RejectionReason = draft.Text;
                    Request = null;
                    break;
            }
        }
    }

    private void ResetGate()
    {
        Gate = StepGate.None;
        Request = null;
        Approved = false;
        RejectionReason = null;
        FailedAttempts = 0;
    }
}

/// <summary>Where a started step stands before its result is committed.</summary>
internal enum StepGate
{
    /// <summary>Nothing recorded since it started.</summary>
    None,

    /// <summary>A tool with side effects was about to run: its outcome is unknown until committed.</summary>
    IntentOpen,

    /// <summary>The run waits for a person.</summary>
    Requested,

    /// <summary>A person approved the last request.</summary>
    Approved,

    /// <summary>A person rejected the last request: the step does not run.</summary>
    Rejected,
}

/// <summary>A read-only list with one more item at the end, without copying the list.</summary>
internal sealed class AppendedList<T>(IReadOnlyList<T> head, T last) : IReadOnlyList<T>
{
    public T this[int index] => index == head.Count ? last : head[index];

    public int Count => head.Count + 1;

    public IEnumerator<T> GetEnumerator()
    {
        foreach (var item in head)
        {
            yield return item;
        }

        yield return last;
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
