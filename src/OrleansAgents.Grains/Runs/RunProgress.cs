using OrleansAgents.Agents;

namespace OrleansAgents.Runs;

/// <summary>
/// A run's progress as its journal tells it: committed steps, the step started but not committed,
/// and whether the run has ended. Rebuilt from the journal on activation; kept current as commits land.
/// </summary>
internal sealed class RunProgress
{
    private readonly List<CommittedStep> _steps = [];
    private int? _endedStepCount;

    public long LastSeq { get; private set; }

    public IReadOnlyList<CommittedStep> Steps => _steps;

    /// <summary>Committed steps, also for a run known only by its terminal event.</summary>
    public int StepCount => _endedStepCount ?? _steps.Count;

    /// <summary>When the last event was committed.</summary>
    public DateTimeOffset UpdatedAt { get; private set; }

    /// <summary>The step durably started and not yet committed: the one to run (again) next.</summary>
    public StepPlan? Pending { get; private set; }

    /// <summary>The terminal event, once the run has ended.</summary>
    public EventDraft? Terminal { get; private set; }

    public bool IsTerminal => Terminal is not null;

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
        }
        else if (draft.Completed is { } step)
        {
            if (step.Index != _steps.Count)
            {
                throw new InvalidOperationException($"Step {step.Index} committed out of order after {_steps.Count} steps.");
            }

            _steps.Add(step);
            Pending = null;
        }
        else if (RunEventTypes.IsTerminal(draft.Type))
        {
            Terminal = draft;
            Pending = null;
        }
    }
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
