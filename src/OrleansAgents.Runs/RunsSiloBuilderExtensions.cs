using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
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
        // Validated at start by validators generated from the options' attributes; each error names its setting.
        services.AddOptions<JournalOptions>().BindConfiguration(JournalOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<JournalOptions>, JournalOptionsValidator>();
        services.AddOptions<RunOptions>().BindConfiguration(RunOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RunOptions>, RunOptionsValidator>();
        services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RetentionOptions>, RetentionOptionsValidator>();

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
