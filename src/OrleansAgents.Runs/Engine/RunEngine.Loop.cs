using System.Diagnostics;
using OrleansAgents.Agents;
using OrleansAgents.Journal;
using OrleansAgents.Runs.Core;
using OrleansAgents.Telemetry;

namespace OrleansAgents.Runs.Engine;

/// <summary>The step loop: take the pending step through its gate, run it, commit its result; again.</summary>
internal sealed partial class RunEngine
{
    /// <summary>How often a step result PostgreSQL refuses is sent again before the run fails with the refusal.</summary>
    private const int MaxRejectedCommits = 3;

    private void StartLoop()
    {
        if (_loop.IsCompleted && !_deactivating && !_superseded && _cancelling is null && !_pinned && !_moving && _planner is not null && Exists
            && State.Started && !State.IsTerminal && !State.IsWaiting)
        {
            if (_stepCancellation.IsCancellationRequested)
            {
                _stepCancellation.Dispose();
                _stepCancellation = new CancellationTokenSource();
            }

            _suspended = false;
            _loop = RunLoopAsync();
            _keepAlive.Start();
        }
    }

    /// <summary>
    /// A task started from the activation but awaited by no call, so calls interleave at its awaits:
    /// status, events and cancel answer while a step runs. Every decision it commits is taken against the
    /// state as committed, so it can stop at any await and a new activation goes on from the journal.
    /// </summary>
    private async Task RunLoopAsync()
    {
        // Leave the caller's turn first: the loop runs between other calls, never inside one.
        await Task.Yield();
        AgentsTelemetry.ActiveRuns.Add(1);
        try
        {
            while (!_deactivating && !_superseded && _cancelling is null)
            {
                if (_stepCancellation.IsCancellationRequested)
                {
                    // A cancel that did not land (it failed, the run goes on): steps need a live token again.
                    _stepCancellation.Dispose();
                    _stepCancellation = new CancellationTokenSource();
                }

                var state = State;
                if (state.IsTerminal)
                {
                    return;
                }

                if (state.Fault is { } fault)
                {
                    // A reload found an event this run cannot explain: fail once, clearly.
                    await CommitAsync(new RunCommand.Fail($"The run's journal cannot be replayed: {fault}."));
                    continue;
                }

                if (state.IsWaiting)
                {
                    await EnterWaitingAsync();
                    if (State.IsWaiting || _cancelling is not null || State.IsTerminal)
                    {
                        return;
                    }

                    _keepAlive.Start(); // answered while this loop was letting go: carry on here
                    continue;
                }

                if (state.Pending is not { } plan)
                {
                    await CommitAsync(new RunCommand.Continue());
                    continue;
                }

                if (state.OwnerActivation != _host.ActivationId && !IsDurableWait(state))
                {
                    // Activated on a durable wait, this activation recorded no resume; it must own the run before a step
                    // body runs here, or a second activation woken with it would run the same step (found by the
                    // simulation's long mode): the resume fences them as for any resume.
                    await CommitAsync(new RunCommand.Resume(_host.ActivationId, _host.Silo));
                    continue;
                }

                await StepAsync(state, plan);
                if (_suspended)
                {
                    return; // a durable wait: the reminder, a child, a message or a cancel starts the loop again
                }
            }
        }
        catch (Exception ex)
        {
            // The journal could not be written (PostgreSQL unreachable past the retry limit, or a refusal even
            // of the run's failure). Nothing is lost: this activation goes; the run resumes from its journal.
            Log.LoopStopped(_logger, RunId, ex);
            _poisoned |= ex is JournalRejectedException;
            if (!_deactivating)
            {
                _host.DeactivateOnIdle();
            }
        }
        finally
        {
            AgentsTelemetry.ActiveRuns.Add(-1);
        }
    }

    /// <summary>One move for the pending step: a gate commit, or its body and result.</summary>
    private async Task StepAsync(RunState state, StepPlan plan)
    {
        var agent = _planner!.Agent;
        var policy = agent.GetPolicy(plan);
        switch (RunGate.Decide(state, plan, policy))
        {
            case GateDecision.Skip skip:
                await CompleteAsync(plan, new StepOutput(agent.SkippedResult(plan, skip.Reason)), 0);
                return;
            case GateDecision.Ask ask:
                await CommitAsync(new RunCommand.Ask(ask.Request));
                return;
            case GateDecision.RecordIntent intent:
                // Recorded here, so this activation knows the tool has not run yet: run it now. An intent found
                // open on another turn (after a restart or a reload) is one whose outcome is unknown.
                if (!(await CommitAsync(new RunCommand.RecordIntent(plan.Index, intent.Tool))).Committed)
                {
                    return;
                }

                state = State;
                break;
        }

        if (policy.Action is { } action)
        {
            await ActAsync(state, plan, action);
            return;
        }

        var context = new StepContext(_planner.Context(state), plan);
        if (_journal.AuditsExecutions)
        {
            await _journal.AuditExecutionAsync(RunId, plan.Index, _host.Silo);
        }

        // One span per step, in the run's trace (shared by every activation of the run); nothing to build when no
        // one records spans.
        using var span = AgentsTelemetry.Source.HasListeners()
            ? AgentsTelemetry.Source.StartActivity($"step {plan.Name}", ActivityKind.Internal, AgentsTelemetry.RunContext(RunId))
            : null;
        span?.SetTag("run.id", RunId);
        span?.SetTag("run.agent", agent.Name);
        span?.SetTag("step.index", plan.Index);
        span?.SetTag("step.idempotency_key", context.IdempotencyKey);
        var result = await _executor.ExecuteAsync(agent, context, policy, () => State.FailedAttempts,
            (attempt, error, delay) => RecordRetryAsync(plan, attempt, error, delay),
            () => State.Pending?.Index == plan.Index && !State.IsWaiting && !State.IsTerminal && !_superseded, _stepCancellation.Token,
            attempt => attempt with { OnText = _drafts.Begin(plan.Index, State.DraftFrom, State.DraftChars) });
        switch (result)
        {
            case StepResult.Succeeded done:
                AgentsTelemetry.StepDuration.Record(done.DurationMs);
                await CompleteAsync(plan, done.Output, done.DurationMs);
                break;
            case StepResult.OutcomeUnknown unknown:
                Log.StepFailed(_logger, RunId, plan.Index, unknown.Error);
                await CommitAsync(new RunCommand.Ask(RunGate.OutcomeUnknown(plan, policy, unknown.Error.Message)));
                break;
            case StepResult.Failed failed:
                Log.StepFailed(_logger, RunId, plan.Index, failed.Error);
                await CommitAsync(new RunCommand.FailStep(plan.Index, failed.Message));
                break;
        }
    }

    /// <summary>
    /// Commits a step's result with the decision that follows it. A result PostgreSQL refuses is sent again a
    /// few times, then the run fails with the refusal: the step does not run again and again.
    /// </summary>
    private async Task CompleteAsync(StepPlan plan, StepOutput output, double durationMs)
    {
        for (var attempt = 1; attempt <= MaxCommandAttempts; attempt++)
        {
            CommitOutcome outcome;
            try
            {
                outcome = await CommitAsync(new RunCommand.Complete(plan, output, durationMs));
            }
            catch (JournalRejectedException ex) when (attempt < MaxRejectedCommits)
            {
                Log.ResultRefused(_logger, RunId, plan.Index, attempt, ex.Message);
                continue;
            }
            catch (JournalRejectedException ex)
            {
                Log.ResultRefused(_logger, RunId, plan.Index, attempt, ex.Message);
                await CommitAsync(new RunCommand.FailStep(plan.Index,
                    $"Step {plan.Index} ({plan.Name}) ran, but its result could not be recorded: {ex.InnerException?.Message ?? ex.Message}"));
                return;
            }

            if (outcome.Committed)
            {
                AgentsTelemetry.Steps.Add(1);
            }

            if (!outcome.Conflicted)
            {
                return; // committed, or stale after a reload (another activation's result stands)
            }

            if (_deactivating || _superseded)
            {
                // Another activation has taken the run over (two were alive at once, as while a silo shuts down in
                // a deploy): it runs the step from its own view. Deciding again here would commit a result after
                // it decided to run the step, so the step's body would run after its commit (found by the soak).
                return;
            }
        }
    }

    private async Task<bool> RecordRetryAsync(StepPlan plan, int attempt, string error, TimeSpan delay)
    {
        Log.StepRetrying(_logger, RunId, plan.Index, attempt, error);
        for (var i = 0; i < MaxCommandAttempts; i++)
        {
            var outcome = await CommitAsync(new RunCommand.RecordRetry(plan.Index, attempt, error, delay.TotalMilliseconds));
            if (!outcome.Conflicted || _deactivating || _superseded)
            {
                return outcome.Committed;
            }
        }

        return false;
    }

    /// <summary>A draft of streamed text; none from an activation that is going away or has been taken over.</summary>
    private Task<CommitOutcome> CommitDraftAsync(RunCommand.Draft draft) =>
        _deactivating || _superseded || _planner is null
            ? Task.FromResult(new CommitOutcome(RunDecision.Stale, Committed: false))
            : CommitAsync(draft);

    /// <summary>Stops the loop while the run waits for a person: no timer, no reminder, nothing polls.</summary>
    private async Task EnterWaitingAsync()
    {
        Log.Waiting(_logger, RunId, State.Request?.Step ?? -1, State.Request?.Kind ?? "");
        await _keepAlive.StopAsync();
    }
}
