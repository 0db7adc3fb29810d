using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OrleansAgents.Agents.Bench;
using OrleansAgents.Agents.Chat;
using OrleansAgents.Agents.DocumentAnalyst;
using OrleansAgents.Agents.VoiceAgentBuilder;
using OrleansAgents.Models;
using OrleansAgents.Models.Offline;

namespace OrleansAgents.Agents;

/// <summary>Registers the built-in agents and the model client they share.</summary>
public static class AgentsServiceCollectionExtensions
{
    /// <summary>
    /// The model client (<c>OrleansAgents:Model</c>), <c>voice-agent-builder</c> with <c>document-analyst</c>, and <c>bench</c> where
    /// <paramref name="includeBench"/> (the Development environment and the benchmark; elsewhere only with
    /// <c>OrleansAgents:Agents:Bench:Enabled=true</c>): it runs whatever step counts and sizes its input asks,
    /// within the run quotas, for anyone with a key.
    /// </summary>
    public static IServiceCollection AddBuiltInAgents(this IServiceCollection services, bool includeBench)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<ModelOptions>().BindConfiguration(ModelOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ModelOptions>, ModelOptionsValidator>();
        services.AddSingleton<ModelClientFactory>();
        services.AddOptions<VoiceAgentBuilderOptions>().BindConfiguration(VoiceAgentBuilderOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<VoiceAgentBuilderOptions>, VoiceAgentBuilderOptionsValidator>();
        services.AddSingleton<IOfflinePlaybook, VoiceAgentBuilderPlaybook>();
        services.AddSingleton<IOfflinePlaybook, DocumentAnalystPlaybook>();
        services.AddSingleton<VoiceAgentTools>();

        if (includeBench)
        {
            services.AddOptions<BenchOptions>().BindConfiguration(BenchOptions.SectionName).ValidateOnStart();
            services.AddSingleton<IValidateOptions<BenchOptions>, BenchOptionsValidator>();
            services.AddSingleton<IAgent, BenchAgent>();
        }

        services.AddChatAgent(VoiceAgentBuilderAgent.Create);
        services.AddChatAgent(DocumentAnalystAgent.Create); // voice-agent-builder's delegate: one child run per document
        return services;
    }
}
