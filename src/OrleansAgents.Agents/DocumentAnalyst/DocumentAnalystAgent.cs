using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OrleansAgents.Agents.Chat;
using OrleansAgents.Agents.VoiceAgentBuilder;
using OrleansAgents.Models;

namespace OrleansAgents.Agents.DocumentAnalyst;

/// <summary>
/// <c>document-analyst</c>: reads the document its request is about (normally one) with the read-only
/// <c>read_document</c> and answers with the facts it states, quoted. <c>voice-agent-builder</c> hands it one
/// document per child run. Input: <c>{ "request": "...", "documents": [ "sample.md" | { "name", "content" } ] }</c>
/// (1 to 10 documents, none empty). Output: <c>{ "text" }</c>.
/// </summary>
public static class DocumentAnalystAgent
{
    public const string AgentName = "document-analyst";

    /// <summary>Read, then answer: a few steps; the limit leaves room for a model that reads a document twice.</summary>
    private const int MaxSteps = 12;

    public const string Instructions = """
        You analyse documents for a colleague who designs phone receptionists. Read the document your request names
        with read_document, then answer with the facts it states that a receptionist needs (opening hours, services,
        prices, booking and cancellation rules, when to hand over to a person, phone numbers), quoted as they are
        written, under the document's own headings. Leave out nothing of that kind; add nothing that is not in it.
        """;

    public static ChatAgentDefinition Create(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<VoiceAgentBuilderOptions>>().Value;
        return new ChatAgentDefinition
        {
            Name = AgentName,
            Instructions = Instructions,
            Model = services.GetRequiredService<ModelClientFactory>().Create(),
            Tools = [services.GetRequiredService<VoiceAgentTools>().ReadDocument()],
            MaxSteps = MaxSteps,
            ModelTimeout = options.ModelTimeout,
            ToolTimeout = options.ToolTimeout,
            ValidateInput = input => DocumentsInput.Validate(input, AgentName, requireContent: true),
            UserMessage = DocumentsInput.UserMessage,
            UpgradePolicy = options.UpgradePolicy,
        };
    }
}
