namespace OrleansAgents.Runs.Tests.Simulation;

/// <summary>The simulated cluster's settings: the real run options, scaled down to simulated seconds.</summary>
internal sealed record SimOptions
{
    public RunOptions Runs { get; init; } = new()
    {
        ReminderPeriod = TimeSpan.FromSeconds(5),
        ReminderDelay = TimeSpan.FromSeconds(1),
        DeactivationDrainTimeout = TimeSpan.FromSeconds(1),
        MaxAttempts = 3,
        RetryBaseDelay = TimeSpan.FromMilliseconds(50),
        RetryMaxDelay = TimeSpan.FromMilliseconds(400),
        StepTimeout = TimeSpan.FromSeconds(1),
        SnapshotEverySteps = 2, // most resumes and reloads start from a snapshot
        SnapshotEveryBytes = 1024,
        DraftInterval = TimeSpan.FromMilliseconds(8), // several drafts per streaming step
    };

    /// <summary>How long the journal writer keeps a commit waiting through an outage before giving up.</summary>
    public TimeSpan UnavailableRetryLimit { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Orleans' response timeout for a grain call.</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Finished runs are removed this long after they ended.</summary>
    public TimeSpan Retention { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>How long faults are injected; then the cluster is quiet until every run has ended.</summary>
    public TimeSpan FaultPhase { get; init; } = TimeSpan.FromSeconds(8);

    /// <summary>How long the quiet cluster runs on after the clients are done, before the checks.</summary>
    public TimeSpan Settle { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Simulated time a schedule may take in all: a run not ended by then is a stuck run.</summary>
    public TimeSpan Limit { get; init; } = TimeSpan.FromMinutes(5);
}
