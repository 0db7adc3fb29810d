using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime.MembershipService.SiloMetadata;
using OrleansAgents.Agents;
using OrleansAgents.Hosting.Placement;
using OrleansAgents.Journal;
using OrleansAgents.Recovery;
using OrleansAgents.Runs;
using OrleansAgents.Runs.Retention;

namespace OrleansAgents.Hosting;

/// <summary>Makes a silo a worker: it hosts runs. Agents are registered separately (<see cref="IAgent"/> services).</summary>
public static class RunsSiloBuilderExtensions
{
    /// <summary>
    /// The run grain's services: options (<c>OrleansAgents:Runs</c>, <c>:Journal</c>, <c>:Retention</c>), the
    /// journal writer, the agent registry, recovery and retention.
    /// </summary>
    public static ISiloBuilder AddOrleansAgentsRuns(this ISiloBuilder silo)
    {
        var services = silo.Services;
        services.AddOptions<JournalOptions>().BindConfiguration(JournalOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RunOptions>().BindConfiguration(RunOptions.SectionName)
            .Validate(o => o.ReminderPeriod >= TimeSpan.FromSeconds(5), "OrleansAgents:Runs:ReminderPeriod must be at least 5 seconds.")
            .Validate(o => o.MaxAttempts is >= 1 and <= 100, "OrleansAgents:Runs:MaxAttempts must be from 1 to 100.")
            .Validate(o => o.StepTimeout > TimeSpan.Zero, "OrleansAgents:Runs:StepTimeout must be positive.")
            .Validate(o => o.RecoveryWakeConcurrency is >= 1 and <= 1024, "OrleansAgents:Runs:RecoveryWakeConcurrency must be from 1 to 1024.")
            .Validate(o => o.RecoveryRetryLimit > TimeSpan.Zero, "OrleansAgents:Runs:RecoveryRetryLimit must be positive.")
            .Validate(o => o.PinTimeout > TimeSpan.Zero, "OrleansAgents:Runs:PinTimeout must be positive.")
            .Validate(o => o.SnapshotEverySteps >= 1, "OrleansAgents:Runs:SnapshotEverySteps must be at least 1.")
            .Validate(o => o.DraftInterval > TimeSpan.Zero && o.DraftInterval <= TimeSpan.FromSeconds(10), "OrleansAgents:Runs:DraftInterval must be more than 0 and at most 10 seconds.")
            .Validate(o => o.SnapshotEveryBytes >= 1024, "OrleansAgents:Runs:SnapshotEveryBytes must be at least 1024.")
            .Validate(o => o.Quotas.MaxStepResultBytes >= 1024, "OrleansAgents:Runs:Quotas:MaxStepResultBytes must be at least 1024.")
            .Validate(o => o.Quotas.MaxJournalBytes >= o.Quotas.MaxStepResultBytes, "OrleansAgents:Runs:Quotas:MaxJournalBytes must be at least MaxStepResultBytes.")
            .Validate(o => o.Quotas.MaxSteps >= 1, "OrleansAgents:Runs:Quotas:MaxSteps must be at least 1.")
            .Validate(o => o.Quotas.MaxUnfinishedRunsPerOwner >= 1, "OrleansAgents:Runs:Quotas:MaxUnfinishedRunsPerOwner must be at least 1.")
            .ValidateOnStart();

        services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.SectionName)
            .Validate(o => o.FinishedRuns is null || o.FinishedRuns > TimeSpan.Zero, "OrleansAgents:Retention:FinishedRuns must be positive (or unset to keep every run).")
            .Validate(o => o.SweepPeriod > TimeSpan.Zero, "OrleansAgents:Retention:SweepPeriod must be positive.")
            .Validate(o => o.BatchSize is >= 1 and <= 10_000, "OrleansAgents:Retention:BatchSize must be from 1 to 10000.")
            .Validate(o => o.Concurrency is >= 1 and <= 256, "OrleansAgents:Retention:Concurrency must be from 1 to 256.")
            .ValidateOnStart();

        services.AddSingleton<JournalWriter>();
        services.AddSingleton<JournalPort>();
        services.AddSingleton<UnfinishedRunCounter>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<JournalWriter>());
        services.AddSingleton<AgentRegistry>();

        // The agent versions this silo hosts, in its silo metadata, for placement. The agents exist only once
        // the container does: this options step fills the dictionary before UseSiloMetadata's own step copies it.
        var published = new Dictionary<string, string>(StringComparer.Ordinal);
        services.AddOptions<SiloMetadata>().Configure<AgentRegistry>((_, registry) => AgentVersions.Publish(published, registry.Hosted));
        silo.UseSiloMetadata(published);

        services.AddHostedService<DeadSiloRecoveryService>();
        services.AddSingleton<RunReactivator>();
        services.AddHostedService(sp => sp.GetRequiredService<RunReactivator>());
        services.AddHostedService<RetentionService>();
        return silo;
    }
}
