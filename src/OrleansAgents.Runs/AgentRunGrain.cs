using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Streams;
using OrleansAgents.Agents;
using OrleansAgents.Hosting.Placement;
using OrleansAgents.Journal;
using OrleansAgents.Recovery;
using OrleansAgents.Runs.Engine;
using OrleansAgents.Runs.Retention;

namespace OrleansAgents.Runs;

/// <summary>
/// The durable shell around one agent run: the header in grain storage, everything else in the journal.
/// What a run does is <see cref="RunEngine"/>'s (plain classes, tested without a cluster); the grain gives
/// it an activation's powers (storage, timers, reminders, the live stream) and passes its calls on.
/// </summary>
#pragma warning disable CA1001 // The engine is disposed in OnDeactivateAsync, the activation's end.
[AgentVersionPlacement]
internal sealed class AgentRunGrain(
    [PersistentState("run", OrleansAgentsNames.RunStorage)] IPersistentState<RunHeader> header,
    JournalPort journal,
    JournalStore store,
    AgentRegistry agents,
    RunReactivator reactivator,
    ILocalSiloDetails silo,
    IClusterMembershipService membership,
    ISiloMetadataCache siloMetadata,
    IOptions<RunOptions> options,
    TimeProvider time,
    ILogger<AgentRunGrain> logger) : Grain, IAgentRunGrain, IRunRetentionGrain, IRemindable, IRunHost
{
#pragma warning restore CA1001
    private const string KeepAliveReminder = "run-keepalive";

    private readonly string _activationId = Guid.NewGuid().ToString("N")[..12];
    private RunEngine? _engine;
    private IGrainReminder? _reminder;
    private IAsyncStream<RunEventBatch>? _stream;

    private RunEngine Engine => _engine ?? throw new InvalidOperationException("The run is not activated.");

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _engine = new RunEngine(this, journal, agents, options.Value, time, logger);
        return _engine.ActivateAsync();
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // On shutdown the survivors' dead-silo recovery takes the run over instead of a reactivation here. A
        // migrating run is woken too: the directory sends the wake to where it went.
        await Engine.DeactivateAsync(reason.ReasonCode is DeactivationReasonCode.ShuttingDown, cancellationToken);
        Engine.Dispose();
    }

    public Task<RunSnapshot> StartAsync(StartRunRequest request) => Engine.StartAsync(request);

    public Task<RunSnapshot> GetStatusAsync() => Task.FromResult(Engine.GetStatus());

    public async Task<IReadOnlyList<RunEvent>> GetEventsAsync(long afterSeq, int max)
    {
        Engine.GetStatus(); // 404 for a run that does not exist
        return await store.ReadEventsAsync(this.GetPrimaryKeyString(), Math.Max(0, afterSeq), Math.Clamp(max, 1, 10_000));
    }

    public Task<RunSnapshot> CancelAsync(string? reason) => Engine.CancelAsync(reason);

    public Task<RunSnapshot> ApproveAsync(string? comment, string? idempotencyKey = null) => Engine.AnswerAsync(true, comment, idempotencyKey);

    public Task<RunSnapshot> RejectAsync(string? reason, string? idempotencyKey = null) => Engine.AnswerAsync(false, reason, idempotencyKey);

    public Task<RunSnapshot> ApproveAsync(string? comment, string? idempotencyKey, long? requestSeq) => Engine.AnswerAsync(true, comment, idempotencyKey, requestSeq);

    public Task<RunSnapshot> RejectAsync(string? reason, string? idempotencyKey, long? requestSeq) => Engine.AnswerAsync(false, reason, idempotencyKey, requestSeq);

    public Task<RunSnapshot> SendMessageAsync(string message, string? idempotencyKey = null) => Engine.SteerAsync(message, idempotencyKey);

    public Task WatchAsync(string watcherId, TimeSpan lease)
    {
        Engine.Watch(watcherId, lease);
        return Task.CompletedTask;
    }

    public Task ObserveAsync(string watcherId, IRunEventObserver observer, TimeSpan lease)
    {
        Engine.Watch(watcherId, lease, observer);
        return Task.CompletedTask;
    }

    public Task UnwatchAsync(string watcherId)
    {
        Engine.Unwatch(watcherId);
        return Task.CompletedTask;
    }

    public Task WakeAsync() => Engine.WakeAsync();

    public Task ChildFinishedAsync(ChildOutcome outcome) => Engine.ChildFinishedAsync(outcome);

    public Task ReceiveReminder(string reminderName, TickStatus status) => Engine.OnReminderAsync();

    public Task<bool> ExpireAsync(DateTimeOffset endedBefore) => Engine.ExpireAsync(endedBefore);

    string IRunHost.RunId => this.GetPrimaryKeyString();

    string IRunHost.Silo => silo.SiloAddress.ToParsableString();

    string IRunHost.ActivationId => _activationId;

    string IRunHost.GrainId => this.GetGrainId().ToString();

    bool IRunHost.HeaderExists => header.RecordExists;

    RunHeader IRunHost.Header => header.State;

    async Task IRunHost.WriteHeaderAsync(RunHeader state)
    {
        var stored = header.State;
        header.State = state;
        try
        {
            await header.WriteStateAsync();
        }
        catch
        {
            header.State = stored; // what is in memory stays what is in storage
            throw;
        }
    }

    Task IRunHost.ReloadHeaderAsync() => header.ReadStateAsync();

    Task IRunHost.ClearHeaderAsync() => header.ClearStateAsync();

    bool IRunHost.IsHostedElsewhere(string agent, string version) =>
        membership.CurrentSnapshot.Members.Values.Any(m => m.Status == SiloStatus.Active && !m.SiloAddress.Equals(silo.SiloAddress)
            && AgentVersions.Hosts(siloMetadata.GetSiloMetadata(m.SiloAddress), agent, version));

    IDisposable IRunHost.StartTimer(Func<Task> tick, TimeSpan dueTime, TimeSpan period) =>
        this.RegisterGrainTimer(_ => tick(), new GrainTimerCreationOptions(dueTime, period) { Interleave = true, KeepAlive = true });

    async Task IRunHost.RegisterReminderAsync(TimeSpan dueTime, TimeSpan period) =>
        _reminder = await this.RegisterOrUpdateReminder(KeepAliveReminder, dueTime, period);

    IAgentRunGrain IRunHost.GetRun(string runId) => GrainFactory.GetGrain<IAgentRunGrain>(runId);

    async Task IRunHost.UnregisterReminderAsync(bool registered)
    {
        var reminder = _reminder ?? await this.GetReminder(KeepAliveReminder);
        if (reminder is not null)
        {
            await this.UnregisterReminder(reminder);
        }

        _reminder = null;
    }

    Task IRunHost.PublishAsync(RunEventBatch batch) =>
        (_stream ??= this.GetStreamProvider(OrleansAgentsNames.StreamProvider)
            .GetStream<RunEventBatch>(StreamId.Create(OrleansAgentsNames.RunEventsNamespace, this.GetPrimaryKeyString()))).OnNextAsync(batch);

    void IRunHost.DeactivateOnIdle() => DeactivateOnIdle();

    void IRunHost.MigrateOnIdle() => MigrateOnIdle();

    void IRunHost.ScheduleReactivation() => reactivator.Schedule(this.GetPrimaryKeyString());
}
