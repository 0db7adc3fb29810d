using System.Text.Json;
using OrleansAgents.Telemetry;
using OrleansAgents.Agents;
using OrleansAgents.Runs.Core;

namespace OrleansAgents.Runs.Engine;

/// <summary>
/// Steps the run does itself (<see cref="StepAction"/>): child runs and durable timers. While such a step waits the
/// loop stops and the run's one reminder is its wake-up (a timer's time, or the backstop period for children); a
/// sleeping run also lets its activation go. Everything it waits on is in the journal (<c>timer.started</c>,
/// <c>child.started</c>, <c>child.finished</c>), so any activation, on any silo, picks the wait up where it was.
/// </summary>
internal sealed partial class RunEngine
{
    /// <summary>A timer due within this is waited for in the activation, not through the reminder.</summary>
    private static readonly TimeSpan FastWakeWindow = TimeSpan.FromSeconds(2);

    private bool _suspended; // the loop stopped on a durable wait; the reminder (or a child, a message, a cancel) wakes it
    private bool _childrenChecked; // this activation (or reminder tick) has asked its unfinished children how they stand
    private Task _ending = Task.CompletedTask; // telling the parent and cancelling the children, once the run ended
    private HeardOutcomes? _heard; // children's outcomes waiting for the next commit
    private Task _recordingHeard = Task.CompletedTask;
    private Polly.ResiliencePipeline? _calls;

    /// <summary>Calls to other runs (children, the parent) wait out an outage or a moving run, for up to <see cref="RunOptions.RecoveryRetryLimit"/>.</summary>
    private Polly.ResiliencePipeline Calls => _calls ??= UnavailableRetry.Within(_options.RecoveryRetryLimit, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5),
        ex => ex is RunMovedException || NoWorkerFailures.IsUnavailable(ex));

    /// <summary>
    /// A child run ended: record it once, then let the loop see whether its step's wait is over. Calls interleave
    /// (children of a fan-out end together): the outcomes heard while one commit is on its way go in the next, one
    /// commit for many, and each call answers once its outcome is recorded.
    /// </summary>
    public async Task ChildFinishedAsync(ChildOutcome outcome)
    {
        if (!Exists || _planner is null || State.IsTerminal)
        {
            return; // unknown, or ended (its children were cancelled when it ended)
        }

        var batch = _heard ??= new HeardOutcomes();
        batch.Outcomes.Add(outcome);
        if (_recordingHeard.IsCompleted)
        {
            _recordingHeard = RecordHeardAsync();
        }

        await batch.Recorded.Task;
    }

    private async Task RecordHeardAsync()
    {
        await Task.Yield(); // let the calls that arrived with this one join its batch
        while (_heard is { } batch)
        {
            _heard = null;
            try
            {
                await _committer.SettleAsync();
                await CommitCommandAsync(new RunCommand.ChildrenFinished(batch.Outcomes));
                StartLoop();
                batch.Recorded.TrySetResult();
            }
            catch (Exception ex)
            {
                batch.Recorded.TrySetException(ex); // the children try again
            }
        }
    }

    /// <summary>Outcomes heard from children, waiting for one commit.</summary>
    private sealed class HeardOutcomes
    {
        public List<ChildOutcome> Outcomes { get; } = [];

        public TaskCompletionSource Recorded { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Whether the pending step is a durable wait already under way: a timer recorded, or children started or awaited.</summary>
    private bool IsDurableWait(RunState state) =>
        state.Pending is { } plan && !state.IsWaiting && !state.IsTerminal
        && (state.Timer is not null
            || SafePolicy(plan)?.Action switch
            {
                StepAction.StartChildren => state.Children.Exists(c => c.Step == plan.Index),
                StepAction.WaitForChildren => true,
                _ => false,
            });

    private StepPolicy? SafePolicy(StepPlan plan)
    {
        try
        {
            return _planner?.Agent.GetPolicy(plan);
        }
        catch (Exception)
        {
            return null;
        }
    }

    /// <summary>One move of a step the run does itself.</summary>
    private Task ActAsync(RunState state, StepPlan plan, StepAction action) => action switch
    {
        StepAction.Sleep sleep => SleepAsync(state, plan, sleep),
        StepAction.StartChildren start => StartChildrenAsync(state, plan, start),
        StepAction.WaitForChildren wait => WaitForChildrenAsync(plan, wait),
        _ => throw new InvalidOperationException($"Unknown step action {action.GetType().Name}."),
    };

    private async Task SleepAsync(RunState state, StepPlan plan, StepAction.Sleep sleep)
    {
        var now = _time.GetUtcNow();
        if (state.Timer is not { } until)
        {
            var wanted = sleep.Until ?? now + (sleep.For ?? TimeSpan.Zero);
            if (wanted - now > _options.Quotas.MaxSleep)
            {
                await CompleteAsync(plan, new StepOutput(ErrorResult(
                    $"A step may sleep at most {_options.Quotas.MaxSleep} ({RunQuotaOptions.Key(nameof(RunQuotaOptions.MaxSleep))}); it asked to sleep until {wanted:O}.")), 0);
                return;
            }

            await CommitAsync(new RunCommand.StartTimer(plan.Index, wanted));
            return;
        }

        if (state.Messages.Count > state.TimerMessages)
        {
            await CompleteWaitAsync(new RunCommand.FireTimer(plan.Index, now, "message"));
            return;
        }

        if (now >= until)
        {
            await CompleteWaitAsync(new RunCommand.FireTimer(plan.Index, now, null));
            Log.TimerFired(_logger, RunId, plan.Index, (now - until).TotalMilliseconds);
            return;
        }

        if (until - now <= FastWakeWindow)
        {
            // Due in a moment (or a reminder ticked a hair early): wait here rather than let go and be woken again. A
            // cancel cuts the wait; a message is seen when it ends.
            try
            {
                await Task.Delay(until - now, _time, _stepCancellation.Token);
            }
            catch (OperationCanceledException)
            {
                // cancelled: the loop sees it
            }

            return;
        }

        // Nothing to hold: the reminder wakes the run at its time, on whatever silo then owns it.
        if (await SuspendAsync(until - now))
        {
            Log.Sleeping(_logger, RunId, plan.Index, until);
            _host.DeactivateOnIdle();
        }
    }

    private async Task StartChildrenAsync(RunState state, StepPlan plan, StepAction.StartChildren start)
    {
        if (!state.Children.Exists(c => c.Step == plan.Index))
        {
            if (ChildLimitError(state, start.Children.Count) is { } error)
            {
                await CompleteAsync(plan, new StepOutput(ErrorResult(error)), 0);
                return;
            }

            if (start.Children.Count == 0)
            {
                await CompleteAsync(plan, new StepOutput(ChildrenResult([])), 0);
                return;
            }

            // Recorded first: the IDs are the step's, so whoever goes on from here starts these children and no others.
            var children = start.Children.Select((spec, i) => new ChildRun(ChildRunIds.For(RunId, plan.Index, i), spec.Agent, plan.Index)).ToList();
            if ((await CommitAsync(new RunCommand.StartChildren(plan.Index, children))).Committed)
            {
                _childrenChecked = false; // start them now
            }

            return;
        }

        if (!_childrenChecked)
        {
            _childrenChecked = true;
            var specs = start.Children;
            var unfinished = state.Children.Where(c => c.Step == plan.Index && !c.Finished).ToList();
            var outcomes = await Task.WhenAll(unfinished.Select(c => EnsureChildAsync(c, specs[ChildIndex(c.RunId)], plan.Index)));
            if (State.IsTerminal || _cancelling is not null)
            {
                // Ended (a cancel) while these starts were on their way: the cascade may have missed a child that did not
                // exist yet, so cancel what was just started.
                await CancelChildrenAsync(unfinished, EndedReason(State));
                return;
            }

            if (await RecordOutcomesAsync(outcomes))
            {
                return; // decided again against what was recorded
            }
        }

        await WaitOrCompleteAsync(plan, State.Children.Where(c => c.Step == plan.Index).ToList(), start.Wait);
    }

    private async Task WaitForChildrenAsync(StepPlan plan, StepAction.WaitForChildren wait)
    {
        bool Awaited(ChildRun c) => wait.RunIds is null || wait.RunIds.Contains(c.RunId);
        var awaited = State.Children.Where(Awaited).ToList();
        if (!_childrenChecked)
        {
            _childrenChecked = true;
            var outcomes = await Task.WhenAll(awaited.Where(c => !c.Finished).Select(PollChildAsync));
            if (await RecordOutcomesAsync(outcomes))
            {
                return;
            }
        }

        await WaitOrCompleteAsync(plan, State.Children.Where(Awaited).ToList(), wait.Wait);
    }

    private async Task WaitOrCompleteAsync(StepPlan plan, List<ChildRun> children, ChildWait wait)
    {
        var over = wait switch
        {
            ChildWait.None => true,
            ChildWait.Any => children.Count == 0 || children.Any(c => c.Finished),
            _ => children.All(c => c.Finished),
        };
        if (over)
        {
            // The step took from its start to now: the children's time (the run's own steps take no time to wait).
            await CompleteAsync(plan, new StepOutput(ChildrenResult(children)), State.PendingSince == default ? 0 : Math.Max(0, (_time.GetUtcNow() - State.PendingSince).TotalMilliseconds));
            return;
        }

        // Each child tells the run when it ends; the reminder is the backstop for a word lost on the way.
        var unfinished = children.FindAll(c => !c.Finished).Count;
        if (await SuspendAsync(null))
        {
            Log.WaitingForChildren(_logger, RunId, plan.Index, unfinished);
        }
    }

    /// <summary>
    /// Stops the loop on a durable wait, with the reminder set to wake the run. False when something was committed
    /// while the reminder was being set (a message, a child's end, a cancel): the loop decides again instead.
    /// </summary>
    private async Task<bool> SuspendAsync(TimeSpan? wakeIn)
    {
        var seen = State.LastSeq;
        await _keepAlive.SuspendAsync(wakeIn);
        _suspended = State.LastSeq == seen && _cancelling is null;
        return _suspended;
    }

    /// <summary>Records outcomes found by asking; true when anything was recorded (the loop decides again).</summary>
    private async Task<bool> RecordOutcomesAsync(IEnumerable<ChildOutcome?> outcomes)
    {
        var ended = outcomes.OfType<ChildOutcome>().ToList();
        return ended.Count > 0 && (await CommitAsync(new RunCommand.ChildrenFinished(ended))).Committed;
    }

    /// <summary>
    /// Starts a child (again: a start is idempotent, the same request under the same ID returns the run) and returns
    /// how it ended if it has; a child that cannot start ends as failed, with the reason.
    /// </summary>
    private async Task<ChildOutcome?> EnsureChildAsync(ChildRun child, ChildRunSpec spec, int step)
    {
        var depth = ChildDepth;
        try
        {
            var snapshot = await Calls.ExecuteAsync(async _ => await _host.GetRun(child.RunId)
                .StartAsync(new StartRunRequest(spec.Agent, spec.Input, _host.Header.Owner, new ParentRun(RunId, step, depth))));
            return Outcome(snapshot);
        }
        catch (Exception ex) when (ex is InvalidRunRequestException or RunConflictException or RunQuotaExceededException)
        {
            Log.ChildNotStarted(_logger, RunId, child.RunId, ex.Message);
            return new ChildOutcome(child.RunId, RunStatus.Failed, null, $"The child run could not start: {ex.Message}");
        }
    }

    private async Task<ChildOutcome?> PollChildAsync(ChildRun child)
    {
        try
        {
            return Outcome(await Calls.ExecuteAsync(async _ => await _host.GetRun(child.RunId).GetStatusAsync()));
        }
        catch (RunNotFoundException ex)
        {
            return new ChildOutcome(child.RunId, RunStatus.Failed, null, $"The child run is gone: {ex.Message}");
        }
    }

    private static ChildOutcome? Outcome(RunSnapshot snapshot) =>
        snapshot.Status.IsTerminal() ? new ChildOutcome(snapshot.RunId, snapshot.Status, snapshot.Result, snapshot.Error) : null;

    /// <summary>A child run ended: its parent hears it (retried through outages; the parent's reminder asks if this is lost).</summary>
    private async Task NotifyParentAsync(ParentRun parent, ChildOutcome outcome)
    {
        try
        {
            await Calls.ExecuteAsync(async _ => await _host.GetRun(parent.RunId).ChildFinishedAsync(outcome));
        }
        catch (Exception ex)
        {
            Log.ParentNotTold(_logger, RunId, parent.RunId, ex.Message);
        }
    }

    /// <summary>The run ended: its unfinished children are cancelled (their in-flight calls with them).</summary>
    private async Task CancelChildrenAsync(IReadOnlyList<ChildRun> children, string reason)
    {
        await Task.WhenAll(children.Where(c => !c.Finished).Select(async c =>
        {
            try
            {
                await Calls.ExecuteAsync(async _ => await _host.GetRun(c.RunId).CancelAsync(reason));
            }
            catch (RunNotFoundException)
            {
                // never started (the parent ended between recording and starting it)
            }
            catch (Exception ex)
            {
                Log.ChildNotCancelled(_logger, RunId, c.RunId, ex.Message);
            }
        }));
    }

    /// <summary>
    /// What the run does once it has ended: cancel its unfinished children (returned, so a cancel is answered once they
    /// are) and tell its parent (not awaited: the parent may be the caller that is cancelling this run, and waiting for
    /// it would be a call cycle). Both are retried.
    /// </summary>
    private Task OnEndedAsync()
    {
        var state = State;
        if (_host.Header.Parent is { } parent && state.Outcome is { } outcome)
        {
            _ = NotifyParentAsync(parent, new ChildOutcome(RunId, outcome.Status, outcome.Output, outcome.Error));
        }

        return state.Children.Exists(c => !c.Finished)
            ? CancelChildrenAsync(state.Children, EndedReason(state))
            : Task.CompletedTask;
    }

    private async Task CompleteWaitAsync(RunCommand.FireTimer fire)
    {
        for (var attempt = 1; attempt <= MaxCommandAttempts; attempt++)
        {
            var outcome = await CommitAsync(fire);
            if (outcome.Committed)
            {
                AgentsTelemetry.Steps.Add(1);
            }

            if (!outcome.Conflicted || _deactivating || _superseded)
            {
                return;
            }
        }
    }

    private string? ChildLimitError(RunState state, int count)
    {
        var quotas = _options.Quotas;
        var depth = ChildDepth;
        if (count > 0 && depth > quotas.MaxRunDepth)
        {
            return $"Child runs may nest {quotas.MaxRunDepth} deep ({RunQuotaOptions.Key(nameof(RunQuotaOptions.MaxRunDepth))}); this run is at depth {depth - 1}, so it starts none.";
        }

        return state.Children.Count + count > quotas.MaxChildrenPerRun
            ? $"A run may start at most {quotas.MaxChildrenPerRun} child runs ({RunQuotaOptions.Key(nameof(RunQuotaOptions.MaxChildrenPerRun))}); " +
              $"it has started {state.Children.Count} and this step asked for {count} more, so it starts none."
            : null;
    }

    /// <summary>The depth of this run's children: one more than its own (a top-level run is depth 0).</summary>
    private int ChildDepth => (_host.Header.Parent?.Depth ?? 0) + 1;

    /// <summary>Why a run's children are cancelled when it ended.</summary>
    private string EndedReason(RunState state) => $"its parent run '{RunId}' ended ({EventDraft.RunStatusText(state.Status)})";

    private static int ChildIndex(string childRunId) =>
        int.Parse(childRunId.AsSpan(childRunId.LastIndexOf('.') + 1), System.Globalization.CultureInfo.InvariantCulture);

    private static string ErrorResult(string error) => $$"""{"error":{{JsonSerializer.Serialize(error)}}}""";

    /// <summary>The result of a step that waited for children: each child, how it stands, and its result or error.</summary>
    private static string ChildrenResult(List<ChildRun> children)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("children");
            foreach (var c in children)
            {
                json.WriteStartObject();
                json.WriteString("runId", c.RunId);
                json.WriteString("agent", c.Agent);
                json.WriteString("status", EventDraft.RunStatusText(c.Status));
                if (c.Result is not null)
                {
                    json.WritePropertyName("result");
                    json.WriteRawValue(c.Result);
                }

                if (c.Error is not null)
                {
                    json.WriteString("error", c.Error);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
