using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OrleansAgents.Agents.Chat;
using OrleansAgents.Models;
using OrleansAgents.Runs;

namespace OrleansAgents.Agents.VoiceAgentBuilder;

/// <summary>
/// <c>voice-agent-builder</c>: designs a voice AI agent from a request and a few documents. Input:
/// <c>{ "request": "...", "documents": [ "clinic-faq.md" | { "name", "content" } ], "currentConfiguration"?: { }, "revisionRounds"?: N }</c>
/// (N rounds of validate, publish with approval and notify; each round after the first adds about six steps).
/// Output: <c>{ "text", "configuration", "publicationId" }</c>. It hands each document to <c>document-analyst</c>
/// (<c>delegate_tasks</c>: one child run per document, in parallel) and builds from the facts they quote.
/// </summary>
public static class VoiceAgentBuilderAgent
{
    public const string AgentName = "voice-agent-builder";
    private const int MaxRevisionRounds = 50;

    public const string Instructions = """
        You design voice AI agents (phone receptionists) for small businesses.
        Work in this order: list the documents provided and hand each one to document-analyst with
        delegate_tasks (one task per document, naming it), which quotes its facts; read a document yourself
        with read_document only when its analysis failed; inspect the live configuration;
        record an implementation plan with write_plan; write the complete new configuration as JSON and
        check it with validate_configuration; fix every reported error and validate again until it passes;
        publish it with publish_configuration (a person approves this); tell the team with notify_team;
        then report what changed in a few sentences. Never invent facts that are not in the documents.
        """;

    public static ChatAgentDefinition Create(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<VoiceAgentBuilderOptions>>().Value;
        return new ChatAgentDefinition
        {
            Name = AgentName,
            Instructions = Instructions,
            Model = services.GetRequiredService<ModelClientFactory>().Create(),
            Tools = services.GetRequiredService<VoiceAgentTools>().All(),
            MaxSteps = options.MaxSteps,
            ModelTimeout = options.ModelTimeout,
            ToolTimeout = options.ToolTimeout,
            ValidateInput = Validate,
            UserMessage = input =>
                DocumentsInput.UserMessage(input) + (input.TryGetProperty("revisionRounds", out var r) ? $"\n\nRevision rounds: {r.GetInt32()}." : ""),
            Delegates = [DocumentAnalyst.DocumentAnalystAgent.AgentName],
            MaxDelegatedTasks = DocumentsInput.MaxDocuments,
            DelegateInput = DocumentsInput.ForTask,
            Track = Track,
            Output = Output,
            SampleDocuments = VoiceAgentSamples.Documents,
            UpgradePolicy = options.UpgradePolicy,
        };
    }

    private static void Validate(JsonElement input)
    {
        DocumentsInput.Validate(input, AgentName, requireContent: false);
        if (input.TryGetProperty("revisionRounds", out var rounds)
            && (rounds.ValueKind != JsonValueKind.Number || !rounds.TryGetInt32(out var count) || count is < 1 or > MaxRevisionRounds))
        {
            throw new InvalidRunRequestException($"'revisionRounds' must be an integer from 1 to {MaxRevisionRounds}.");
        }
    }

    /// <summary>Keeps the last configuration that passed validation and where it was published.</summary>
    private static JsonObject? Track(JsonObject? kept, CommittedStep step)
    {
        if (step.Name == ChatAgent.ToolStepPrefix + "validate_configuration"
            && JsonNode.Parse(step.Result)?["output"]?["valid"]?.GetValue<bool>() == true)
        {
            return new JsonObject
            {
                ["configuration"] = JsonNode.Parse(step.Args)?["arguments"]?["configuration"]?.DeepClone(),
                ["publicationId"] = kept?["publicationId"]?.DeepClone(),
            };
        }

        if (step.Name == ChatAgent.ToolStepPrefix + "publish_configuration" && JsonNode.Parse(step.Result)?["output"]?["publicationId"] is { } id)
        {
            return new JsonObject { ["configuration"] = kept?["configuration"]?.DeepClone(), ["publicationId"] = id.DeepClone() };
        }

        return kept;
    }

    /// <summary>The final text, the last configuration that passed validation, and where it was published.</summary>
    private static string Output(JsonObject? kept, string text) =>
        new JsonObject { ["text"] = text, ["configuration"] = kept?["configuration"]?.DeepClone(), ["publicationId"] = kept?["publicationId"]?.DeepClone() }.ToJsonString();
}
