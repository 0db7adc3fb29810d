using Microsoft.Extensions.DependencyInjection;

namespace OrleansAgents.Agents.Chat;

public static class ChatAgentServiceCollectionExtensions
{
    /// <summary>Registers a model-driven agent; runs name it by <see cref="ChatAgentDefinition.Name"/>.</summary>
    public static IServiceCollection AddChatAgent(this IServiceCollection services, Func<IServiceProvider, ChatAgentDefinition> definition) =>
        services.AddSingleton<IAgent>(sp => new ChatAgent(definition(sp)));
}
