using System.Diagnostics;
using System.Text;
using OrleansAgents.Agents;

namespace OrleansAgents.Runs.Core;

/// <summary>
/// The run's state machine, decide half: state + command → the events to commit (or why none). Pure: the
/// same state and command always give the same decision, so a commit that lost a race is simply decided
/// again against the state that won. The evolve half is <see cref="RunState.Apply"/>.
/// </summary>
internal static class RunDecider
{
    public static RunDecision Decide(RunState state, RunCommand command, RunPlanner planner)
    {
        var decision = DecideCommand(state, command, planner);
        if (state.Children.IsEmpty || decision.Kind != RunDecisionKind.Commit || !RunEventTypes.IsTerminal(decision.Events[^1].Type))
        {
            return decision;
        }

        // A run that ends records its children in its terminal event (with what this commit adds of them).
        var children = state.Children;
        foreach (var e in decision.Events)
        {
            if (e.Type == RunEventTypes.ChildFinished && e.Child is { } ended)
            {
                var i = children.FindIndex(c => c.RunId == ended.RunId);
                children = i < 0 ? children : children.SetItem(i, children[i] with { Status = ended.Status });
            }
        }

        return RunDecision.Commit([.. decision.Events.SkipLast(1), decision.Events[^1].WithChildren(children)]);
    }

    private static RunDecision DecideCommand(RunState state, RunCommand command, RunPlanner planner) => command switch
    {
        RunCommand.Start start => state.Started || state.IsTerminal
            ? RunDecision.Done
            : RunDecision.Commit(EventDraft.RunStarted(start.Header, start.Activation), Next(state, state.StepsDone, state.Memory, state.Usage, planner)),
        RunCommand.Resume resume => !state.Started || state.IsTerminal || state.IsWaiting || state.Fault is not null
            ? RunDecision.Done
            : RunDecision.Commit(EventDraft.RunResumed(state.Pending?.Index, resume.Silo, resume.Activation, resume.Load)),
        RunCommand.Fail fail => state.IsTerminal
            ? RunDecision.Done
            : RunDecision.Commit(EventDraft.RunFailed(fail.Error, state.Pending?.Index, state.StepsDone, state.Usage)),
        RunCommand.Upgrade upgrade => state.IsTerminal || state.AgentVersion == upgrade.To
            ? RunDecision.Done
            : RunDecision.Commit(EventDraft.RunUpgraded(upgrade.From, upgrade.To)),
        RunCommand.Pin pin => state.IsTerminal || state.WaitingForVersion is not null
            ? RunDecision.Done
            : RunDecision.Commit(EventDraft.RunPinned(pin.Version, pin.Until)),
        RunCommand.Cancel cancel => state.IsTerminal
            ? RunDecision.Done
            : RunDecision.Commit(EventDraft.RunCancelled(cancel.Reason, state.StepsDone, state.Usage)),
        RunCommand.Steer steer => state.IsSameCommand(steer.Key, RunEventTypes.InputMessage, steer.Message) switch
        {
            true => RunDecision.Done,
            false => RunDecision.KeyReused(steer.Key),
            null when state.IsTerminal => RunDecision.Refused("has finished; it takes no more messages"),
            null => RunDecision.Commit(EventDraft.InputMessage(steer.Message, steer.Key)),
        },
        RunCommand.Answer answer => Answer(state, answer),
        RunCommand.Continue => state.Pending is not null || !state.Started || state.IsTerminal || state.Fault is not null
            ? RunDecision.Done
            : RunDecision.Commit(Next(state, state.StepsDone, state.Memory, state.Usage, planner)),
        RunCommand.Ask ask => IsPending(state, ask.Request.Step) && !state.IsWaiting
            ? RunDecision.Commit(EventDraft.InputRequested(ask.Request))
            : RunDecision.Stale,
        RunCommand.RecordIntent intent => IsPending(state, intent.Step) && state.Gate is not (StepGate.IntentOpen or StepGate.Requested)
            ? RunDecision.Commit(EventDraft.ToolIntent(planner.KeyPrefix, intent.Step, intent.Tool))
            : RunDecision.Stale,
        RunCommand.RecordRetry retry => IsPending(state, retry.Step) && !state.IsWaiting
            ? RunDecision.Commit(EventDraft.StepRetrying(retry.Step, retry.Attempt, retry.Error, retry.DelayMs))
            : RunDecision.Stale,
        RunCommand.Draft draft => IsPending(state, draft.Step) && !state.IsWaiting && state.DraftFrom == draft.From
            ? Draft(state, draft, planner.Quotas)
            : RunDecision.Stale,
        RunCommand.FailStep failStep => IsPending(state, failStep.Step) && !state.IsWaiting
            ? RunDecision.Commit(EventDraft.RunFailed(failStep.Error, failStep.Step, state.StepsDone, state.Usage))
            : RunDecision.Stale,
        RunCommand.Complete complete => Complete(state, complete, planner),
        RunCommand.StartTimer timer => IsPending(state, timer.Step) && !state.IsWaiting && state.Timer is null
            ? RunDecision.Commit(EventDraft.TimerStarted(timer.Step, timer.Until))
            : RunDecision.Stale,
        RunCommand.FireTimer fire => FireTimer(state, fire, planner),
        RunCommand.StartChildren start => IsPending(state, start.Step) && !state.IsWaiting && !state.Children.Exists(c => c.Step == start.Step)
            ? RunDecision.Commit([.. start.Children.Select(EventDraft.ChildStarted)])
            : RunDecision.Stale,
        RunCommand.ChildrenFinished finished => ChildrenFinished(state, finished),
        _ => throw new UnreachableException(),
    };

    private static RunDecision FireTimer(RunState state, RunCommand.FireTimer fire, RunPlanner planner)
    {
        if (!IsPending(state, fire.Step) || state.IsWaiting || state.Timer is not { } until)
        {
            return RunDecision.Stale;
        }

        var result = $$"""{"until":{{JsonText(until)}},"firedAt":{{JsonText(fire.At)}},"early":{{(fire.EarlyReason is null ? "false" : "true")}}{{(fire.EarlyReason is null ? "" : $",\"reason\":{System.Text.Json.JsonSerializer.Serialize(fire.EarlyReason)}")}}}""";
        var completed = Complete(state, new RunCommand.Complete(state.Pending!, new StepOutput(result), Math.Max(0, (fire.At - state.TimerSince).TotalMilliseconds)), planner);
        return completed.Kind == RunDecisionKind.Commit
            ? RunDecision.Commit([EventDraft.TimerFired(fire.Step, until, fire.At, fire.EarlyReason), .. completed.Events])
            : completed;
    }

    private static string JsonText(DateTimeOffset at) => System.Text.Json.JsonSerializer.Serialize(at.ToUniversalTime());

    /// <summary>The outcomes of children the run knows and has not heard from; ended runs and known outcomes record nothing.</summary>
    private static RunDecision ChildrenFinished(RunState state, RunCommand.ChildrenFinished finished)
    {
        if (state.IsTerminal || !state.Started)
        {
            return RunDecision.Done;
        }

        var events = new List<EventDraft>();
        foreach (var outcome in finished.Outcomes)
        {
            if (state.Children.Find(c => c.RunId == outcome.RunId) is { Finished: false } child && outcome.Status.IsTerminal()
                && !events.Exists(e => e.Child!.RunId == outcome.RunId))
            {
                events.Add(EventDraft.ChildFinished(child with
                {
                    Status = outcome.Status,
                    Result = outcome.Status == RunStatus.Succeeded ? outcome.Result ?? "null" : null,
                    Error = outcome.Status == RunStatus.Succeeded ? null : outcome.Error ?? outcome.Status.ToString().ToLowerInvariant(),
                }));
            }
        }

        return events.Count == 0 ? RunDecision.Done : RunDecision.Commit([.. events]);
    }

    private static bool IsPending(RunState state, int step) => state.Pending?.Index == step && state.Fault is null && !state.IsTerminal;

    /// <summary>
    /// An answer applies to the open question, or to the one it names (<see cref="RunCommand.Answer.RequestSeq"/>) only
    /// while that one is open: one answered meanwhile, after which the run asked another, is refused, never applied to
    /// the next question. Its key is checked first, so a resent answer that was applied is answered as the first was.
    /// </summary>
    private static RunDecision Answer(RunState state, RunCommand.Answer answer)
    {
        var type = answer.Approved ? RunEventTypes.InputApproved : RunEventTypes.InputRejected;
        return state.IsSameCommand(answer.Key, type, answer.Text) switch
        {
            true => RunDecision.Done,
            false => RunDecision.KeyReused(answer.Key),
            null when state.IsWaiting && answer.RequestSeq is { } asked && asked != state.RequestSeq =>
                RunDecision.Refused($"has no open question asked at seq {asked}: the one open now was asked at seq {state.RequestSeq}"),
            null when state.IsWaiting && state.Request is { } request =>
                RunDecision.Commit(EventDraft.InputDecided(answer.Approved, request.Step, answer.Text, answer.Key)),
            null when answer.RequestSeq is { } asked =>
                RunDecision.Refused($"is {state.Status.ToString().ToLowerInvariant()}, not waiting for input: no question asked at seq {asked} is open"),
            null => RunDecision.Refused($"is {state.Status.ToString().ToLowerInvariant()}, not waiting for input"),
        };
    }

    /// <summary>
    /// The attempt's text the journal lacks. Drafts stop (the rest comes with the result) where the attempt's text
    /// would pass what a step result may hold, or the journal what a run may hold: the result's own check decides.
    /// </summary>
    private static RunDecision Draft(RunState state, RunCommand.Draft draft, RunQuotaOptions quotas)
    {
        if (draft.Text.Length <= state.DraftChars)
        {
            return RunDecision.Done;
        }

        var delta = EventDraft.StepDelta(draft.Step, draft.Text[state.DraftChars..]);
        return Encoding.UTF8.GetByteCount(draft.Text) > quotas.MaxStepResultBytes
            || state.JournalBytes + Encoding.UTF8.GetByteCount(delta.Data) > quotas.MaxJournalBytes
            ? RunDecision.Done
            : RunDecision.Commit(delta);
    }

    private static RunDecision Complete(RunState state, RunCommand.Complete complete, RunPlanner planner)
    {
        // Only the pending step's result counts, and only while nobody is asked about it: a result from an
        // activation that lost a race, or from before a reload, is dropped.
        if (!IsPending(state, complete.Step.Index) || state.IsWaiting)
        {
            return RunDecision.Stale;
        }

        var step = new CommittedStep(complete.Step.Index, complete.Step.Name, complete.Output.Result, state.Pending!.Args);
        var usage = complete.Output.Usage;
        var quotas = planner.Quotas;
        var resultBytes = Encoding.UTF8.GetByteCount(step.Result);
        if (resultBytes > quotas.MaxStepResultBytes)
        {
            return RunDecision.Commit(EventDraft.RunFailed(
                $"Step {step.Index} ({step.Name}) returned {resultBytes} bytes, more than a step result may hold: " +
                $"{quotas.MaxStepResultBytes} bytes ({RunQuotaOptions.Key(nameof(RunQuotaOptions.MaxStepResultBytes))}). Its result was not recorded.",
                step.Index, state.StepsDone, state.Usage.Add(usage)));
        }

        var completed = EventDraft.StepCompleted(step, complete.DurationMs, usage);
        AgentMemory memory;
        try
        {
            memory = planner.Bound(state.Memory).Remember(step);
        }
        catch (Exception ex)
        {
            return RunDecision.Commit(EventDraft.RunFailed($"The agent could not take in step {step.Index}: {ex.Message}", step.Index, state.StepsDone, state.Usage.Add(usage)));
        }

        // The journal's limit counts what this commit adds: the result and the next decision (its arguments).
        var next = Next(state, state.StepsDone + 1, memory, state.Usage.Add(usage), planner);
        var journalBytes = state.JournalBytes + Encoding.UTF8.GetByteCount(completed.Data) + Encoding.UTF8.GetByteCount(next.Data);
        if (journalBytes > quotas.MaxJournalBytes)
        {
            return RunDecision.Commit(EventDraft.RunFailed(
                $"Step {step.Index} ({step.Name}) would take the run's journal to {journalBytes} bytes, more than a run may hold: " +
                $"{quotas.MaxJournalBytes} bytes ({RunQuotaOptions.Key(nameof(RunQuotaOptions.MaxJournalBytes))}). Its result was not recorded.",
                step.Index, state.StepsDone, state.Usage.Add(usage)));
        }

        return RunDecision.Commit(completed, next);
    }

    /// <summary>The agent's next move as the event that records it; a step past the run's step limit fails it instead.</summary>
    private static EventDraft Next(RunState state, int steps, AgentMemory memory, RunUsage usage, RunPlanner planner) =>
        planner.Next(steps, memory, state.Messages) switch
        {
            AgentDecision.Next when steps >= planner.Quotas.MaxSteps => EventDraft.RunFailed(
                $"The run reached its limit of {planner.Quotas.MaxSteps} steps ({RunQuotaOptions.Key(nameof(RunQuotaOptions.MaxSteps))}) and its agent wanted another.",
                null, steps, usage),
            AgentDecision.Next next => EventDraft.StepStarted(planner.KeyPrefix, new StepPlan(steps, next.Name, next.Args)),
            AgentDecision.Finish finish => EventDraft.RunSucceeded(finish.Output, steps, usage),
            AgentDecision.Fail fail => EventDraft.RunFailed(fail.Error, null, steps, usage),
            _ => throw new UnreachableException(),
        };
}
