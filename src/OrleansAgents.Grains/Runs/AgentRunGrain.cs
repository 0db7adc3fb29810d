using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Streams;
using Polly;
using Polly.Retry;
using Polly.Timeout;
using OrleansAgents.Agents;
using OrleansAgents.Journal;
using OrleansAgents.Recovery;
using OrleansAgents.Telemetry;

namespace OrleansAgents.Runs;

/// <summary>
/// The durable shell around one agent run. The header lives in grain storage; every step is committed
/// to the journal before the next starts; the step loop runs detached from any caller so reads and
/// cancel answer while a step is in flight. Any activation of an unfinished run resumes it.
/// </summary>
#pragma warning disable CA1001 // The lock and token source live as long as the activation; nothing holds OS resources.
public sealed partial class AgentRunGrain(
    [PersistentState("run", OrleansAgentsNames.RunStorage)] IPersistentState<RunHeader> header,
    JournalWriter journal,
    JournalStore store,
    AgentRegistry agents,
    RunReactivator reactivator,
    ILocalSiloDetails siloDetails,
    IOptions<RunOptions> runOptions,
    IOptions<JournalOptions> journalOptions,
    TimeProvider time,
    ILogger<AgentRunGrain> logger) : Grain, IAgentRunGrain, IRemindable
#pragma warning restore CA1001
{
    private const string KeepAliveReminder = "run-keepalive";
    private static readonly TimeSpan KeepAliveTimerPeriod = TimeSpan.FromSeconds(10);

    private readonly SemaphoreSlim _commitLock = new(1, 1);
    private readonly CancellationTokenSource _stepCancellation = new();
    private RunProgress _progress = new();
    private IAgent? _agent;
    private JsonElement _input;
    private Task _loop = Task.CompletedTask;
    private bool _cancelRequested;
    private bool _deactivating;
    private RunStatus _status;
    private string? _result;
    private string? _error;
    private RunStatus _rowStatus; // the status this activation last wrote to the runs table (None: not yet)
    private IGrainReminder? _keepAlive;
    private bool _keepAliveMayExist;
    private IGrainTimer? _keepAliveTimer;
    private Task _keepAliveRegistration = Task.CompletedTask;
    private IAsyncStream<RunEventBatch>? _stream;
    private Task _publishing = Task.CompletedTask;
    private readonly Dictionary<string, DateTimeOffset> _watchers = new(StringComparer.Ordinal);

    private string RunId => this.GetPrimaryKeyString();

    private string Silo => siloDetails.SiloAddress.ToParsableString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!header.RecordExists)
        {
            return;
        }

        // The journal's last event says where the run stands; only an unfinished run reads its history.
        if (await store.ReadLastEventAsync(RunId, cancellationToken) is { } last && RunEventTypes.IsTerminal(last.Type))
        {
            _progress = RunProgress.Ended(last);
            OnEnded(justEnded: false);
            return;
        }

        await ResumeAsync();
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _deactivating = true;
        await _stepCancellation.CancelAsync();
        await Task.WhenAny(_loop, Task.Delay(runOptions.Value.DeactivationDrainTimeout, cancellationToken));

        // An unfinished run must not stay asleep because the runtime let its activation go (a lost directory
        // entry, collection): wake it again. On shutdown the survivors' dead-silo recovery takes over instead.
        if (header.RecordExists && _status == RunStatus.Running && !_cancelRequested
            && reason.ReasonCode is not (DeactivationReasonCode.ShuttingDown or DeactivationReasonCode.Migrating))
        {
            reactivator.Schedule(RunId);
        }
    }

    public async Task<RunSnapshot> StartAsync(StartRunRequest request)
    {
        var hash = HashRequest(request);
        if (header.RecordExists)
        {
            if (header.State.RequestHash != hash)
            {
                throw new RunConflictException(
                    $"Run '{RunId}' already exists with a different request (agent '{header.State.Agent}', owner '{header.State.Owner}').");
            }

            if (_progress.LastSeq == 0 && _loop.IsCompleted)
            {
                // Accepted before, but its first commit never landed (the database was down): the caller's retry completes it.
                await ResumeAsync();
            }

            return Snapshot();
        }

        var agent = agents.GetForNewRun(request.Agent);
        var input = ParseInput(request.Input);
        agent.ValidateInput(input);

        // A header without journal events is completed on the next activation. The keep-alive reminder
        // is registered once the run outlives RunOptions.ReminderDelay (see EnsureKeepAliveAsync).
        var now = time.GetUtcNow();
        header.State = new RunHeader
        {
            RunId = RunId,
            Agent = agent.Name,
            AgentVersion = agent.Version,
            Owner = request.Owner,
            Input = input.GetRawText(),
            RequestHash = hash,
            CreatedAt = now,
        };
        await header.WriteStateAsync();

        _agent = agent;
        _input = input;
        _progress = new RunProgress();
        _status = RunStatus.Running;
        await CommitAsync([EventDraft.RunStarted(header.State), Decide(_progress.Steps, _progress.Usage)]);
        LogRunStarted(logger, RunId, agent.Name, request.Owner);
        StartLoop();
        return Snapshot();
    }

    public Task<RunSnapshot> GetStatusAsync()
    {
        EnsureExists();
        return Task.FromResult(Snapshot());
    }

    public async Task<IReadOnlyList<RunEvent>> GetEventsAsync(long afterSeq, int max)
    {
        EnsureExists();
        return await store.ReadEventsAsync(RunId, Math.Max(0, afterSeq), Math.Clamp(max, 1, 10_000));
    }

    public async Task<RunSnapshot> CancelAsync(string? reason)
    {
        EnsureExists();
        if (_status.IsTerminal())
        {
            return Snapshot();
        }

        _cancelRequested = true;
        await _stepCancellation.CancelAsync();
        await CommitAsync([EventDraft.RunCancelled(reason, _progress.StepCount, _progress.Usage)], cancelling: true);
        LogRunCancelled(logger, RunId);
        return Snapshot();
    }

    public Task<RunSnapshot> ApproveAsync(string? comment) => DecideInputAsync(approved: true, comment);

    public Task<RunSnapshot> RejectAsync(string? reason) => DecideInputAsync(approved: false, reason);

    /// <summary>Answers the open input request and lets the run go on from it.</summary>
    private async Task<RunSnapshot> DecideInputAsync(bool approved, string? text)
    {
        EnsureExists();

        // The request may be stored (and seen by the caller) while its commit is still being applied here:
        // let the commit in flight finish before judging whether the run waits.
        await _commitLock.WaitAsync();
        _commitLock.Release();
        if (!_progress.IsWaiting || _progress.Request is not { } request)
        {
            throw NotWaiting();
        }

        if (!await CommitAsync([EventDraft.InputDecided(approved, request.Step, text)]))
        {
            throw new RunStateException($"Run '{RunId}' changed while the decision was recorded; read it and try again.");
        }

        LogInputDecided(logger, RunId, request.Step, request.Kind, approved);
        StartLoop();
        return Snapshot();
    }

    public async Task<RunSnapshot> SendMessageAsync(string message)
    {
        EnsureExists();
        if (_status.IsTerminal() || !await CommitAsync([EventDraft.InputMessage(message)]))
        {
            throw new RunStateException($"Run '{RunId}' has finished; it takes no more messages.");
        }

        return Snapshot();
    }

    private RunStateException NotWaiting()
    {
        EnsureExists();
        return new RunStateException($"Run '{RunId}' is {_status.ToString().ToLowerInvariant()}, not waiting for input.");
    }

    public Task WatchAsync(string watcherId, TimeSpan lease)
    {
        _watchers[watcherId] = time.GetUtcNow() + lease;
        return Task.CompletedTask;
    }

    public Task UnwatchAsync(string watcherId)
    {
        _watchers.Remove(watcherId);
        return Task.CompletedTask;
    }

    public Task WakeAsync()
    {
        // Activation already resumed an unfinished run; make sure its loop is going.
        if (header.RecordExists && _progress.LastSeq == 0 && _loop.IsCompleted)
        {
            return ResumeAsync(); // accepted, but its first commit never landed
        }

        if (header.RecordExists && !_status.IsTerminal())
        {
            StartLoop();
        }

        return Task.CompletedTask;
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        _keepAliveMayExist = true;
        if (!header.RecordExists || _status.IsTerminal() || _progress.IsWaiting)
        {
            await UnregisterKeepAliveAsync();
            return;
        }

        StartLoop();
    }

    private async Task ResumeAsync()
    {
        // An earlier activation may have registered the reminder; this one must not lose track of it.
        _keepAliveMayExist = true;
        var state = header.State;
        _status = RunStatus.Running;
        _agent = agents.Find(state.Agent, state.AgentVersion);
        _input = ParseInput(state.Input);
        _progress = RunProgress.Replay(await store.ReadAllEventsAsync(RunId));

        if (_agent is null)
        {
            await CommitAsync([EventDraft.RunFailed(
                $"Agent '{state.Agent}' version '{state.AgentVersion}' is not registered on this cluster any more; the run cannot resume.", null, _progress.StepCount, _progress.Usage)]);
            return;
        }

        if (_progress.IsWaiting)
        {
            // Waiting for a person: nothing was cut off and nothing runs until they answer.
            _status = RunStatus.WaitingForInput;
            return;
        }

        if (_progress.LastSeq == 0)
        {
            // Accepted, then cut off before its first commit.
            await CommitAsync([EventDraft.RunStarted(state), Decide(_progress.Steps, _progress.Usage)]);
        }
        else
        {
            // The resume is a span of the run's trace too, linked to the run's root.
            using (var span = AgentsTelemetry.Source.StartActivity(
                "run resumed", ActivityKind.Internal, AgentsTelemetry.RunContext(RunId), links: [new ActivityLink(AgentsTelemetry.RunContext(RunId))]))
            {
                span?.SetTag("run.id", RunId);
                span?.SetTag("silo", Silo);

                // A commit the dead silo sent just before dying can land after this activation read the
                // journal: the resume then collides, reloads, and records itself after that commit.
                for (var attempt = 0; attempt < 3 && !_progress.IsTerminal; attempt++)
                {
                    if (await CommitAsync([EventDraft.RunResumed(_progress.Pending?.Index, Silo)]))
                    {
                        break;
                    }
                }
            }

            AgentsTelemetry.Recoveries.Add(1);
            LogRunResumed(logger, RunId, _progress.Pending?.Index ?? -1, _progress.LastSeq);
        }

        StartLoop();
    }

    private void StartLoop()
    {
        if (_loop.IsCompleted && !_progress.IsTerminal && !_progress.IsWaiting && !_cancelRequested && !_deactivating && _agent is not null)
        {
            _loop = RunLoopAsync();
            StartKeepAliveTimer();
        }
    }

    /// <summary>
    /// Keeps the activation from idle collection while the loop runs (a step may outlast the collection age),
    /// and registers the keep-alive reminder once the run outlives ReminderDelay, retrying on failure.
    /// </summary>
    private void StartKeepAliveTimer() =>
        _keepAliveTimer ??= this.RegisterGrainTimer(
            _ => EnsureKeepAliveAsync(),
            new GrainTimerCreationOptions(runOptions.Value.ReminderDelay, KeepAliveTimerPeriod) { Interleave = true, KeepAlive = true });

    private async Task RunLoopAsync()
    {
        // Leave the caller's turn first: the loop runs between other calls, never inside one.
        await Task.Yield();
        AgentsTelemetry.ActiveRuns.Add(1);
        try
        {
            while (!_deactivating && !_cancelRequested && !_progress.IsTerminal)
            {
                if (_progress.Pending is not { } plan)
                {
                    await CommitAsync([Decide(_progress.Steps, _progress.Usage)]);
                    continue;
                }

                if (_progress.IsWaiting)
                {
                    await EnterWaitingAsync();
                    if (_progress.IsWaiting || _cancelRequested || _progress.IsTerminal)
                    {
                        return;
                    }

                    // Answered while this loop was letting go (StartLoop saw it still running): carry on here.
                    StartKeepAliveTimer();
                    continue;
                }

                var policy = _agent!.GetPolicy(plan);
                if (await GateAsync(plan, policy) is not { } output)
                {
                    continue; // the gate committed something (a request, an intent) or lost a race: look again
                }

                if (output.Result is null)
                {
                    return; // cancelled, deactivating, or the run failed
                }

                var completed = new CommittedStep(plan.Index, plan.Name, output.Result.Result, plan.Args);
                var usage = output.Result.Usage;
                // Decided under the commit lock: a steer message committed meanwhile is seen by this decision.
                if (await CommitAsync(() => [EventDraft.StepCompleted(completed, output.DurationMs, usage),
                        Decide(new AppendedList<CommittedStep>(_progress.Steps, completed), _progress.Usage.Add(usage))]))
                {
                    AgentsTelemetry.Steps.Add(1);
                }
            }
        }
        catch (Exception ex)
        {
            // The journal could not be written (PostgreSQL unreachable past the retry limit, or a bug).
            // Nothing is lost: let this activation go; the keep-alive reminder resumes the run from its journal.
            LogLoopStopped(logger, RunId, ex);
            if (!_deactivating)
            {
                DeactivateOnIdle();
            }
        }
        finally
        {
            AgentsTelemetry.ActiveRuns.Add(-1);
        }
    }

    /// <summary>
    /// Takes the pending step through its gate: a rejected step is skipped, a step that needs approval asks
    /// for it, a cut-off tool with side effects that is not idempotent asks what to do, a tool with side
    /// effects commits its intent; then the step runs. Returns null when the gate committed an event (the loop
    /// looks again), a null result when the loop must stop.
    /// </summary>
    private async Task<GateOutcome?> GateAsync(StepPlan plan, StepPolicy policy)
    {
        var tool = policy.Tool ?? plan.Name;
        var arguments = policy.ToolArguments ?? plan.Args;
        if (_progress.Gate == StepGate.Rejected)
        {
            var reason = _progress.RejectionReason ?? "rejected by a person";
            return new GateOutcome(new StepOutput(_agent!.SkippedResult(plan, reason)), 0);
        }

        if (_progress.Gate == StepGate.IntentOpen && !policy.Idempotent)
        {
            // Cut off between intent and outcome: running it again could repeat its side effect.
            await CommitAsync([EventDraft.InputRequested(new InputRequest(plan.Index, InputRequestKinds.OutcomeUnknown, tool, arguments,
                $"'{tool}' was interrupted after it started and may or may not have taken effect. Approve to run it again, reject to go on without it."))]);
            return null;
        }

        if (policy.RequiresApproval && !_progress.Approved)
        {
            await CommitAsync([EventDraft.InputRequested(new InputRequest(plan.Index, InputRequestKinds.Approval, tool, arguments,
                policy.ApprovalQuestion ?? $"Approve running '{tool}'?"))]);
            return null;
        }

        if (policy.SideEffects && _progress.Gate != StepGate.IntentOpen
            && !await CommitAsync([EventDraft.ToolIntent(RunId, plan, tool)]))
        {
            return null;
        }

        var context = new StepContext(new AgentContext(RunId, _input, _progress.Steps, _progress.Messages), plan, text => PublishText(plan.Index, text));
        if (journalOptions.Value.AuditStepExecutions)
        {
            await journal.AuditStepExecutionAsync(RunId, plan.Index, Silo);
        }

        // One span per step, in the run's trace (shared by every activation of the run).
        using var span = AgentsTelemetry.Source.StartActivity($"step {plan.Name}", ActivityKind.Internal, AgentsTelemetry.RunContext(RunId));
        span?.SetTag("run.id", RunId);
        span?.SetTag("run.agent", header.State.Agent);
        span?.SetTag("step.index", plan.Index);
        span?.SetTag("step.idempotency_key", context.IdempotencyKey);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var output = await ExecuteWithRetriesAsync(context, policy);
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            AgentsTelemetry.StepDuration.Record(elapsed);
            return new GateOutcome(output, elapsed);
        }
        catch (OperationCanceledException) when (_cancelRequested || _deactivating)
        {
            return new GateOutcome(null, 0);
        }
        catch (Exception ex) when (policy.SideEffects && !policy.Idempotent && TransientFailures.IsTransient(ex))
        {
            // It may have taken effect before failing (a lost reply, a timeout after the write): ask, never guess.
            LogStepFailed(logger, RunId, plan.Index, ex);
            await CommitAsync([EventDraft.InputRequested(new InputRequest(plan.Index, InputRequestKinds.OutcomeUnknown, tool, arguments,
                $"'{tool}' failed ({ex.Message}) and may or may not have taken effect. Approve to run it again, reject to go on without it."))]);
            return null;
        }
        catch (Exception ex)
        {
            LogStepFailed(logger, RunId, plan.Index, ex);
            var attempts = _progress.FailedAttempts + 1;
            var what = ex is TimeoutRejectedException ? $"timed out after {(policy.Timeout ?? runOptions.Value.StepTimeout).TotalSeconds:0.###} s" : ex.Message;
            await CommitAsync([EventDraft.RunFailed(
                $"Step {plan.Index} ({plan.Name}) failed{(attempts > 1 ? $" after {attempts} attempts" : "")}: {what}", plan.Index, _progress.StepCount, _progress.Usage)]);
            return new GateOutcome(null, 0);
        }
    }

    /// <summary>
    /// Runs the step body under a per-attempt timeout, retrying transient failures with exponential backoff
    /// and jitter. Every failed attempt is committed first, so a restart does not reset the count.
    /// </summary>
    private async Task<StepOutput> ExecuteWithRetriesAsync(StepContext context, StepPolicy policy)
    {
        var options = runOptions.Value;
        // A tool whose effect must not repeat is never retried blindly: a person decides (see GateAsync).
        // A step cut off by a crash commits no attempt, so idempotent steps may run more often than MaxAttempts.
        var remainingRetries = policy.SideEffects && !policy.Idempotent
            ? 0
            : (policy.MaxAttempts ?? options.MaxAttempts) - 1 - _progress.FailedAttempts;
        var builder = new ResiliencePipelineBuilder<StepOutput>();
        if (remainingRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<StepOutput>
            {
                MaxRetryAttempts = remainingRetries,
                ShouldHandle = new PredicateBuilder<StepOutput>().Handle<Exception>(TransientFailures.IsTransient),
                // The delay follows the committed attempt count, not this activation's.
                DelayGenerator = _ => ValueTask.FromResult<TimeSpan?>(TransientFailures.Backoff(_progress.FailedAttempts, options.RetryBaseDelay, options.RetryMaxDelay)),
                OnRetry = async args =>
                {
                    var error = args.Outcome.Exception?.Message ?? "failed";
                    LogStepRetrying(logger, RunId, context.Step.Index, _progress.FailedAttempts + 1, error);
                    await CommitAsync([EventDraft.StepRetrying(context.Step.Index, _progress.FailedAttempts + 1, error, args.RetryDelay.TotalMilliseconds)]);
                },
            });
        }

        builder.AddTimeout(policy.Timeout ?? options.StepTimeout);
        var pipeline = builder.Build();

        // Polly continues on the captured context, so the step body and OnRetry's commit run as turns of this
        // activation, never on a thread-pool thread touching grain state.
        var resilience = ResilienceContextPool.Shared.Get(continueOnCapturedContext: true, _stepCancellation.Token);
        try
        {
            return await pipeline.ExecuteAsync(
                static async (resilience, state) => await state.Agent.ExecuteStepAsync(state.Context, resilience.CancellationToken),
                resilience,
                (Agent: _agent!, Context: context));
        }
        finally
        {
            ResilienceContextPool.Shared.Return(resilience);
        }
    }

    /// <summary>Stops the loop while the run waits for a person: no timer, no reminder, nothing polls.</summary>
    private async Task EnterWaitingAsync()
    {
        _status = RunStatus.WaitingForInput;
        LogWaiting(logger, RunId, _progress.Request?.Step ?? -1, _progress.Request?.Kind ?? "");
        await UnregisterKeepAliveAsync();
    }

    /// <summary>The agent's next move as the event that records it.</summary>
    private EventDraft Decide(IReadOnlyList<CommittedStep> steps, RunUsage usage)
    {
        AgentDecision decision;
        try
        {
            decision = _agent!.Decide(new AgentContext(RunId, _input, steps, _progress.Messages));
        }
        catch (Exception ex)
        {
            decision = new AgentDecision.Fail($"The agent could not decide its next step: {ex.Message}");
        }

        return decision switch
        {
            AgentDecision.Next next => EventDraft.StepStarted(RunId, new StepPlan(steps.Count, next.Name, next.Args)),
            AgentDecision.Finish finish => EventDraft.RunSucceeded(finish.Output, steps.Count, usage),
            AgentDecision.Fail fail => EventDraft.RunFailed(fail.Error, null, steps.Count, usage),
            _ => throw new UnreachableException(),
        };
    }

    /// <summary>
    /// Commits events atomically with the runs-table row, after the commit in flight. Returns false when
    /// the run ended meanwhile or another commit won the sequence numbers (the journal is then reloaded).
    /// </summary>
    private Task<bool> CommitAsync(IReadOnlyList<EventDraft> drafts, bool cancelling = false) => CommitAsync(() => drafts, cancelling);

    /// <summary>As <see cref="CommitAsync(IReadOnlyList{EventDraft}, bool)"/>, building the events once the lock is held.</summary>
    private async Task<bool> CommitAsync(Func<IReadOnlyList<EventDraft>> build, bool cancelling = false)
    {
        await _commitLock.WaitAsync();
        try
        {
            if (_progress.IsTerminal || (_cancelRequested && !cancelling))
            {
                return false;
            }

            var drafts = build();

            // PostgreSQL keeps microseconds: hold the same instant in memory as in the table.
            var now = time.GetUtcNow();
            now = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMicrosecond));
            var events = new NewEvent[drafts.Count];
            var steps = _progress.Steps.Count;
            for (var i = 0; i < drafts.Count; i++)
            {
                events[i] = new NewEvent(_progress.LastSeq + 1 + i, drafts[i].Type, now, drafts[i].Data);
                steps += drafts[i].Completed is null ? 0 : 1;
            }

            var last = drafts[^1];
            var waiting = _progress.IsWaiting;
            foreach (var draft in drafts)
            {
                waiting = draft.Type == RunEventTypes.InputRequested
                    || (waiting && draft.Type is not (RunEventTypes.InputApproved or RunEventTypes.InputRejected or RunEventTypes.StepCompleted));
            }

            var status = RunEventTypes.IsTerminal(last.Type) ? TerminalStatus(last.Type)
                : waiting ? RunStatus.WaitingForInput : RunStatus.Running;
            var state = header.State;
            // The runs table follows status and silo changes; per-step progress lives in the journal only,
            // so a step costs its event rows and nothing else.
            var row = status == _rowStatus
                ? null
                : new RunRow(RunId, state.Owner, state.Agent, state.AgentVersion, status, state.CreatedAt, now, events[^1].Seq, steps, Silo,
                    drafts.Aggregate(_progress.Usage, (total, d) => d.Completed is null ? total : total.Add(d.Usage)).TotalTokens);
            var queued = Stopwatch.GetTimestamp();
            try
            {
                await journal.CommitAsync(new JournalCommit(RunId, events, row));
                AgentsTelemetry.CommitDuration.Record(Stopwatch.GetElapsedTime(queued).TotalMilliseconds);
            }
            catch (JournalConflictException ex)
            {
                LogCommitConflict(logger, RunId, events[0].Seq, ex);
                _progress = RunProgress.Replay(await store.ReadAllEventsAsync(RunId));
                if (_progress.IsTerminal)
                {
                    await OnEndedAsync();
                }
                else
                {
                    _status = _progress.IsWaiting ? RunStatus.WaitingForInput : RunStatus.Running;
                }

                return false;
            }

            for (var i = 0; i < drafts.Count; i++)
            {
                _progress.Apply(events[i].Seq, drafts[i], now);
            }

            Publish(events);

            _rowStatus = status;
            if (!status.IsTerminal())
            {
                _status = status;
            }

            if (_progress.IsTerminal)
            {
                await OnEndedAsync();
            }

            return true;
        }
        finally
        {
            _commitLock.Release();
        }
    }

    /// <summary>
    /// Sends committed events to the run's live stream, in commit order, without holding up the loop, while
    /// a front end watches. Losing one is harmless: followers detect the gap by sequence number and read
    /// the journal; a new activation starts with no watchers until the front ends renew their leases.
    /// </summary>
    private void Publish(NewEvent[] events)
    {
        if (_watchers.Count == 0)
        {
            return;
        }

        var now = time.GetUtcNow();
        foreach (var (watcher, expires) in _watchers.ToList())
        {
            if (expires < now)
            {
                _watchers.Remove(watcher);
            }
        }

        if (_watchers.Count == 0)
        {
            return;
        }

        var batch = new RunEventBatch([.. events.Select(e => new RunEvent(RunId, e.Seq, e.Type, e.At, e.Data))]);
        _stream ??= this.GetStreamProvider(OrleansAgentsNames.StreamProvider)
            .GetStream<RunEventBatch>(StreamId.Create(OrleansAgentsNames.RunEventsNamespace, RunId));
        _publishing = PublishAfterAsync(_publishing, _stream, batch);
    }

    private async Task PublishAfterAsync(Task previous, IAsyncStream<RunEventBatch> stream, RunEventBatch next)
    {
        await previous;
        try
        {
            await stream.OnNextAsync(next);
        }
        catch (Exception ex)
        {
            LogPublishFailed(logger, RunId, next.Events[0].Seq, ex.Message);
        }
    }

    /// <summary>Sends a piece of streamed model text to watchers: live only, placed after the last committed event.</summary>
    private void PublishText(int step, string text)
    {
        if (_watchers.Count == 0 || text.Length == 0)
        {
            return;
        }

        var data = JsonSerializer.Serialize(new TextDelta(step, text), TextDeltaJson.Default.TextDelta);
        var delta = new RunEvent(RunId, 0, RunEventTypes.StepDelta, time.GetUtcNow(), data) { After = _progress.LastSeq };
        _stream ??= this.GetStreamProvider(OrleansAgentsNames.StreamProvider)
            .GetStream<RunEventBatch>(StreamId.Create(OrleansAgentsNames.RunEventsNamespace, RunId));
        _publishing = PublishAfterAsync(_publishing, _stream, new RunEventBatch([delta]));
    }

    /// <summary>Takes the outcome from the terminal event and drops the keep-alive reminder.</summary>
    private async Task OnEndedAsync()
    {
        OnEnded(justEnded: true);
        await UnregisterKeepAliveAsync();
    }

    private void OnEnded(bool justEnded)
    {
        var terminal = _progress.Terminal!;
        using var doc = JsonDocument.Parse(terminal.Data);
        var root = doc.RootElement;
        _status = TerminalStatus(terminal.Type);
        _result = root.TryGetProperty("output", out var output) ? output.GetRawText() : null;
        _error = root.TryGetProperty("error", out var error) ? error.GetString()
            : root.TryGetProperty("reason", out var reason) ? reason.GetString() : null;
        if (justEnded && _status == RunStatus.Succeeded)
        {
            LogRunSucceeded(logger, RunId, _progress.StepCount);
        }
    }

    /// <summary>
    /// Registers the keep-alive reminder once the run has been going for <see cref="RunOptions.ReminderDelay"/>.
    /// Short runs finish without ever writing one; if their silo dies first, dead-silo recovery and the
    /// start-up sweep wake them from the runs table.
    /// </summary>
    private Task EnsureKeepAliveAsync()
    {
        if (_keepAlive is not null || _progress.IsTerminal || _deactivating)
        {
            return Task.CompletedTask;
        }

        _keepAliveRegistration = RegisterAsync();
        return _keepAliveRegistration;

        async Task RegisterAsync()
        {
            try
            {
                var period = runOptions.Value.ReminderPeriod;
                _keepAlive = await this.RegisterOrUpdateReminder(KeepAliveReminder, period, period);
            }
            catch (Exception ex)
            {
                // The reminder service may be rebalancing after a silo died: the next timer tick tries again.
                LogReminderRegistrationDeferred(logger, RunId, ex.Message);
            }
        }
    }

    private async Task UnregisterKeepAliveAsync()
    {
        _keepAliveTimer?.Dispose();
        _keepAliveTimer = null;
        try
        {
            await _keepAliveRegistration;
            var reminder = _keepAlive ?? (_keepAliveMayExist ? await this.GetReminder(KeepAliveReminder) : null);
            if (reminder is not null)
            {
                await this.UnregisterReminder(reminder);
            }

            _keepAlive = null;
        }
        catch (Exception ex)
        {
            // The reminder service may be rebalancing after a silo died. The run is finished either way;
            // the reminder's next tick finds it terminal and unregisters it then.
            LogReminderCleanupDeferred(logger, RunId, ex.Message);
        }
    }

    private RunSnapshot Snapshot()
    {
        var state = header.State;
        return new RunSnapshot
        {
            RunId = RunId,
            Agent = state.Agent,
            AgentVersion = state.AgentVersion,
            Owner = state.Owner,
            Status = _status,
            CreatedAt = state.CreatedAt,
            UpdatedAt = _progress.LastSeq == 0 ? state.CreatedAt : _progress.UpdatedAt,
            LastSeq = _progress.LastSeq,
            Steps = _progress.StepCount,
            Result = _result,
            Error = _error,
            Usage = _progress.Usage.TotalTokens > 0 ? _progress.Usage : null,
            WaitingFor = _progress.IsWaiting ? _progress.Request : null,
        };
    }

    private void EnsureExists()
    {
        if (!header.RecordExists)
        {
            throw new RunNotFoundException($"Run '{RunId}' does not exist.");
        }
    }

    private static RunStatus TerminalStatus(string type) => type switch
    {
        RunEventTypes.RunSucceeded => RunStatus.Succeeded,
        RunEventTypes.RunFailed => RunStatus.Failed,
        RunEventTypes.RunCancelled => RunStatus.Cancelled,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Not a terminal event."),
    };

    private static JsonElement ParseInput(string input)
    {
        try
        {
            using var doc = JsonDocument.Parse(string.IsNullOrWhiteSpace(input) ? "{}" : input);
            return doc.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new InvalidRunRequestException($"The run input is not valid JSON: {ex.Message}");
        }
    }

    private static string HashRequest(StartRunRequest request)
    {
        var canonical = $"{request.Agent}\n{request.Owner}\n{Minify(request.Input)}";
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    private static string Minify(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(string.IsNullOrWhiteSpace(json) ? "{}" : json);
            return JsonSerializer.Serialize(doc.RootElement);
        }
        catch (JsonException)
        {
            return json;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} started: agent {Agent}, owner {Owner}")]
    private static partial void LogRunStarted(ILogger logger, string runId, string agent, string owner);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} resumed at step {Step} after seq {LastSeq}")]
    private static partial void LogRunResumed(ILogger logger, string runId, int step, long lastSeq);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} succeeded after {Steps} steps")]
    private static partial void LogRunSucceeded(ILogger logger, string runId, int steps);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} cancelled")]
    private static partial void LogRunCancelled(ILogger logger, string runId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId} step {Step} failed")]
    private static partial void LogStepFailed(ILogger logger, string runId, int step, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId} commit at seq {Seq} conflicted with stored events; reloading the journal")]
    private static partial void LogCommitConflict(ILogger logger, string runId, long seq, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Run {RunId} live publish from seq {Seq} failed (subscribers fill the gap from the journal): {Reason}")]
    private static partial void LogPublishFailed(ILogger logger, string runId, long seq, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} keep-alive reminder not registered yet: {Reason}")]
    private static partial void LogReminderRegistrationDeferred(ILogger logger, string runId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} finished; removing its reminder is deferred to its next tick: {Reason}")]
    private static partial void LogReminderCleanupDeferred(ILogger logger, string runId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} step {Step} {Kind} request answered: approved {Approved}")]
    private static partial void LogInputDecided(ILogger logger, string runId, int step, string kind, bool approved);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} waits for input at step {Step} ({Kind})")]
    private static partial void LogWaiting(ILogger logger, string runId, int step, string kind);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId} step {Step} attempt {Attempt} failed transiently: {Error}")]
    private static partial void LogStepRetrying(ILogger logger, string runId, int step, int attempt, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Run {RunId} loop stopped; the run resumes from its journal on the next activation")]
    private static partial void LogLoopStopped(ILogger logger, string runId, Exception exception);
}

/// <summary>A step's output (null when the loop must stop) and how long its body took.</summary>
internal sealed record GateOutcome(StepOutput? Result, double DurationMs);

internal sealed record TextDelta(int Step, string Text);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase)]
[System.Text.Json.Serialization.JsonSerializable(typeof(TextDelta))]
internal sealed partial class TextDeltaJson : System.Text.Json.Serialization.JsonSerializerContext;
