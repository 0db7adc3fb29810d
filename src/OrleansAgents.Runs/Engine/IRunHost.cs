namespace OrleansAgents.Runs.Engine;

/// <summary>What the run needs from the activation that holds it: the grain in a silo, a fake in tests.</summary>
internal interface IRunHost
{
    string RunId { get; }

    /// <summary>This silo, as the runs table records it.</summary>
    string Silo { get; }

    /// <summary>Distinguishes this activation from any other of the same run (recorded when it starts or resumes the run).</summary>
    string ActivationId { get; }

    /// <summary>The activation's grain id (the reminder table keys rows by it).</summary>
    string GrainId { get; }

    bool HeaderExists { get; }

    RunHeader Header { get; }

    Task WriteHeaderAsync(RunHeader header);

    /// <summary>Reads the header from storage again.</summary>
    Task ReloadHeaderAsync();

    Task ClearHeaderAsync();

    /// <summary>Whether another active silo hosts this version of the agent (placement would put the run there).</summary>
    bool IsHostedElsewhere(string agent, string version);

    /// <summary>A timer that keeps the activation alive while it ticks and interleaves with calls.</summary>
    IDisposable StartTimer(Func<Task> tick, TimeSpan dueTime, TimeSpan period);

    /// <summary>Registers (or moves) the run's one reminder: first tick after <paramref name="dueTime"/>, then every <paramref name="period"/>.</summary>
    Task RegisterReminderAsync(TimeSpan dueTime, TimeSpan period);

    /// <summary>Removes the keep-alive reminder; <paramref name="registered"/> false: only if one turns out to exist.</summary>
    Task UnregisterReminderAsync(bool registered);

    /// <summary>Another run (a child or the parent), by its run ID.</summary>
    IAgentRunGrain GetRun(string runId);

    /// <summary>Sends a batch to the run's live stream.</summary>
    Task PublishAsync(RunEventBatch batch);

    /// <summary>Moves this activation, once idle, to the silo placement chooses (one that hosts the run's version).</summary>
    void MigrateOnIdle();

    /// <summary>Lets this activation go once it is idle.</summary>
    void DeactivateOnIdle();

    /// <summary>Wakes the run again, from outside, once this activation is gone.</summary>
    void ScheduleReactivation();
}
