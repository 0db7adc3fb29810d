using System.Diagnostics;
using Microsoft.Extensions.Logging;
using OrleansAgents.Agents;
using OrleansAgents.Runs.Core;
using OrleansAgents.Telemetry;

namespace OrleansAgents.Runs.Engine;

/// <summary>
/// One activation's life of a run, without Orleans: what the grain's methods do (here, and the callers'
/// commands in <c>RunEngine.Commands.cs</c>, retention in <c>RunEngine.Retention.cs</c>) and the step loop
/// (<c>RunEngine.Loop.cs</c>). The state machine (<see cref="RunDecider"/>, <see cref="RunState"/>) says what
/// to record; the committer records it; the executor runs steps; the publisher and the keep-alive follow.
/// Tests drive it with a simulated journal and host, a fake clock and seeded faults.
/// </summary>
internal sealed partial class RunEngine : IDisposable
{
    private const int MaxCommandAttempts = 10;

    private readonly IRunHost _host;
    private readonly IRunJournal _journal;
    private readonly IAgentSource _agents;
    private readonly RunOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Random _random;
    private readonly RunCommitter _committer;
    private readonly StepExecutor _executor;
    private readonly LivePublisher _publisher;
    private readonly StepDrafts _drafts;
    private readonly KeepAlive _keepAlive;
    private RunPlanner? _planner;
    private CancellationTokenSource _stepCancellation = new();
    private Task _loop = Task.CompletedTask;
    private Task? _cancelling;
    private bool _deactivating;
    private bool _superseded; // seen and acted on: see RunCommitter.Superseded
    private bool _ended;
    private bool _poisoned;
    private bool _pinned;
    private bool _moving;
    private IDisposable? _moveTimer;
    private bool _unbound; // waits for a person while its agent version is not on this silo

    public RunEngine(IRunHost host, IRunJournal journal, IAgentSource agents, RunOptions options, TimeProvider time, ILogger logger, Random? random = null)
    {
        _host = host;
        _journal = journal;
        _agents = agents;
        _options = options;
        _time = time;
        _logger = logger;
        _random = random ?? Random.Shared;
        _committer = new RunCommitter(host, journal, options, time, logger);
        _executor = new StepExecutor(options, time, _random);
        _publisher = new LivePublisher(host, time, logger);
        _keepAlive = new KeepAlive(host, options, logger);
        _committer.Committed = _publisher.Publish;
        _drafts = new StepDrafts(CommitDraftAsync, time, options.DraftInterval, host.RunId, logger);
    }

    /// <summary>The run as its committed journal tells it.</summary>
    public RunState State => _committer.State;

    private string RunId => _host.RunId;

    private bool Exists => _host.HeaderExists && !_host.Header.Expired;

    /// <summary>Loads the run: a finished run from its last event alone; an unfinished one resumes.</summary>
    public async Task ActivateAsync()
    {
        if (!_host.HeaderExists)
        {
            return;
        }

        if (_host.Header.Expired)
        {
            await CompleteExpiryAsync(); // retention was cut off mid-way: finish it
            return;
        }

        if (await _journal.ReadLastAsync(RunId) is { } last && RunEventTypes.IsTerminal(last.Type))
        {
            _committer.Load(RunState.Ended(last));
            _ended = true;
            return;
        }

        await ResumeAsync();
    }

    /// <summary>Stops the loop; an unfinished run that is let go for any reason but shutdown is woken again.</summary>
    public async Task DeactivateAsync(bool shuttingDown, CancellationToken cancellationToken)
    {
        _deactivating = true;
        _keepAlive.Dispose();
        CancelStep();
        await Task.WhenAny(_loop, Task.Delay(_options.DeactivationDrainTimeout, _time, cancellationToken));
        if (Exists && !State.IsTerminal && !State.IsWaiting && !_suspended && !_poisoned && !_pinned && !shuttingDown && !_superseded)
        {
            _host.ScheduleReactivation();
        }
    }

    public async Task<RunSnapshot> StartAsync(StartRunRequest request)
    {
        var hash = RunRequests.Hash(request);
        if (Exists)
        {
            var existing = _host.Header;
            if (existing.RequestHash != hash)
            {
                throw new RunConflictException(
                    $"Run '{RunId}' already exists with a different request (agent '{existing.Agent}', owner '{existing.Owner}').");
            }

            if (!State.Started && _loop.IsCompleted)
            {
                await ResumeAsync(); // accepted before, but its first commit never landed: the caller's retry completes it
            }

            return Snapshot();
        }

        if (_host.HeaderExists)
        {
            await CompleteExpiryAsync(); // what is left of an expired run under this ID goes first
        }

        var agent = _agents.GetForNewRun(request.Agent);
        var input = RunRequests.ParseInput(request.Input);
        agent.ValidateInput(input);
        if (request.Parent is null)
        {
            await CheckOwnerQuotaAsync(request.Owner); // children count against their parent's limits instead (MaxChildrenPerRun, MaxRunDepth)
        }

        // A header without journal events is completed on the next activation. The keep-alive reminder is
        // registered once the run outlives RunOptions.ReminderDelay.
        var header = new RunHeader
        {
            RunId = RunId,
            Agent = agent.Name,
            AgentVersion = agent.Version,
            Owner = request.Owner,
            Input = input.GetRawText(),
            RequestHash = hash,
            CreatedAt = _time.GetUtcNow(),
            Incarnation = Convert.ToHexStringLower(BitConverter.GetBytes(_random.Next())),
            Parent = request.Parent,
        };
        await _host.WriteHeaderAsync(header);
        _planner = NewPlanner(agent, input, header);
        _committer.Load(RunState.Empty with { Memory = agent.NewMemory(input) });
        _ended = false;
        await CommitCommandAsync(new RunCommand.Start(header, _host.ActivationId));
        Log.RunStarted(_logger, RunId, agent.Name, request.Owner);
        StartLoop();
        return Snapshot();
    }

    /// <summary>
    /// Refuses a start past the owner's limit of unfinished runs, as <see cref="Journal.UnfinishedRunCounter"/> counts
    /// them (approximate across silos); a retried start of an accepted run returns before this.
    /// </summary>
    private async Task CheckOwnerQuotaAsync(string owner)
    {
        var limit = _options.Quotas.MaxUnfinishedRunsPerOwner;
        var count = await _journal.CountUnfinishedRunsAsync(owner);
        if (count >= limit)
        {
            Log.OwnerQuotaReached(_logger, RunId, owner, count, limit);
            throw new RunQuotaExceededException(
                $"Owner '{owner}' has {count} unfinished runs; the limit is {limit} " +
                $"({RunQuotaOptions.Key(nameof(RunQuotaOptions.MaxUnfinishedRunsPerOwner))}). Start more once some have finished, or cancel some.");
        }
    }

    private RunPlanner NewPlanner(IAgent agent, System.Text.Json.JsonElement input, RunHeader header) =>
        new(RunId, agent, input, header.IdempotencyPrefix) { Quotas = _options.Quotas };

    public RunSnapshot GetStatus()
    {
        EnsureExists();
        return Snapshot();
    }

    public void Watch(string watcherId, TimeSpan lease, IRunEventObserver? observer = null) => _publisher.Watch(watcherId, lease, observer);

    public void Unwatch(string watcherId) => _publisher.Unwatch(watcherId);

    /// <summary>Recovery's call: make sure an unfinished run is progressing.</summary>
    public async Task WakeAsync()
    {
        if (!Exists)
        {
            return;
        }

        if (!State.Started && _loop.IsCompleted)
        {
            await ResumeAsync(); // accepted, but its first commit never landed
            return;
        }

        StartLoop();
    }

    /// <summary>The keep-alive reminder ticked: go on, or drop the reminder of a run that waits or ended.</summary>
    public async Task OnReminderAsync()
    {
        _keepAlive.MayExist();
        if (Exists && !State.IsTerminal && (_pinned || _moving))
        {
            await RecheckVersionAsync();
            return;
        }

        if (!Exists || State.IsTerminal || State.IsWaiting)
        {
            await _keepAlive.StopAsync();
            return;
        }

        _childrenChecked = false; // the backstop: ask unfinished children again, in case a child's word was lost
        StartLoop();
    }

    public void Dispose()
    {
        _keepAlive.Dispose();
        _moveTimer?.Dispose();
        _committer.Dispose();
        _stepCancellation.Dispose();
    }

    private void EnsureExists()
    {
        if (!Exists)
        {
            throw new RunNotFoundException($"Run '{RunId}' does not exist.");
        }
    }

    private RunSnapshot Snapshot()
    {
        var header = _host.Header;
        var state = State;
        return new RunSnapshot
        {
            RunId = RunId,
            Agent = header.Agent,
            AgentVersion = state.AgentVersion ?? header.AgentVersion,
            Owner = header.Owner,
            Status = state.Status,
            CreatedAt = header.CreatedAt,
            UpdatedAt = state.LastSeq == 0 ? header.CreatedAt : state.UpdatedAt,
            LastSeq = state.LastSeq,
            Steps = state.StepCount,
            Result = state.Outcome?.Output,
            Error = state.Outcome?.Error,
            Usage = state.Usage.TotalTokens > 0 ? state.Usage : null,
            WaitingFor = state.IsWaiting ? state.Request : null,
            WaitingForSeq = state.IsWaiting ? state.RequestSeq : null,
            WaitingForVersion = state.IsTerminal ? null : state.WaitingForVersion,
            Parent = header.Parent,
            Children = state.Children.IsEmpty ? [] : [.. state.Children.Select(c => c.Info)],
            SleepingUntil = state.IsSleeping ? state.Timer : null,
        };
    }

    /// <summary>Replays the journal and takes the run over: records the resume and starts the loop.</summary>
    private async Task ResumeAsync()
    {
        _keepAlive.MayExist();
        var loading = _time.GetTimestamp();
        await _committer.LoadAsync();
        if (State.LastSeq == 0)
        {
            // No events: accepted but cut off before its first commit, or removed by retention after this
            // activation read its header (retention marks the header before it deletes the journal). Only the
            // header as it is now can tell: a removed run must not start again.
            await _host.ReloadHeaderAsync();
            if (!Exists)
            {
                _planner = null;
                return;
            }
        }

        var header = _host.Header;
        var version = State.AgentVersion ?? header.AgentVersion;
        var agent = _agents.Find(header.Agent, version);
        _planner = NewPlanner(agent ?? new UnavailableAgent(header.Agent, version), RunRequests.ParseInput(header.Input), header);
        await _committer.BindAsync(_planner);
        var load = new RunLoad(_committer.LastRead.SnapshotSeq, _committer.LastRead.Events, _time.GetElapsedTime(loading).TotalMilliseconds);
        if (State.IsTerminal)
        {
            _ended = true;
            return;
        }

        if (State.Fault is { } fault)
        {
            await CommitCommandAsync(new RunCommand.Fail($"The run's journal cannot be replayed: {fault}."));
            return;
        }

        if (agent is not null && IsDurableWait(State))
        {
            // Sleeping or waiting for children: nothing was cut off, so nothing to record, and the activation that
            // entered the wait registered the reminder that ends it. Only a wake moves the wait (the reminder, recovery's
            // WakeAsync, a message, a child's end, a cancel: each starts the loop); an activation for a read (status,
            // events, a front end's watch) just holds the loaded run until it is collected. Starting the loop here made
            // every read of a sleeping run an activation, a reminder write and a deactivation: a client polling its
            // status every 100 ms churned it ten times a second until its time.
            _suspended = true;
            return;
        }

        if (State.IsWaiting)
        {
            // Waiting for a person: nothing was cut off and nothing runs until they answer. Its version is
            // settled when the answer comes, not on a read (a pin's clock must not run while a person decides).
            _unbound = agent is null;
            return;
        }

        if (agent is null && !await BindAnotherVersionAsync(header, version))
        {
            return; // moving to a silo with its version, waiting for one, or failed
        }

        if (!State.Started)
        {
            await CommitCommandAsync(new RunCommand.Start(header, _host.ActivationId)); // accepted, then cut off before its first commit
        }
        else
        {
            // The resume is a span of the run's trace too, linked to the run's root. A commit the dead silo sent
            // just before dying can land after this activation read the journal: the resume then collides,
            // reloads, and records itself after that commit.
            using (var span = AgentsTelemetry.Source.StartActivity(
                "run resumed", ActivityKind.Internal, AgentsTelemetry.RunContext(RunId), links: [new ActivityLink(AgentsTelemetry.RunContext(RunId))]))
            {
                span?.SetTag("run.id", RunId);
                span?.SetTag("silo", _host.Silo);
                await CommitCommandAsync(new RunCommand.Resume(_host.ActivationId, _host.Silo, load));
            }

            AgentsTelemetry.Recoveries.Add(1);
            Log.RunResumed(_logger, RunId, State.Pending?.Index ?? -1, State.LastSeq);
        }

        StartLoop();
    }
}
