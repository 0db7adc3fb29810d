using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using Npgsql;

namespace OrleansAgents.Agents.VoiceAgentBuilder;

/// <summary>
/// The voice-agent-builder's tools. They work on real data: the run's documents (inline or shipped
/// samples), the live configuration, real JSON Schema validation, and PostgreSQL tables for the two
/// tools with side effects (publishing is idempotent by key; notifying is not).
/// </summary>
public sealed class VoiceAgentTools(NpgsqlDataSource dataSource, IOptions<VoiceAgentBuilderOptions> options, TimeProvider time)
{
    private static readonly Lazy<JsonSchema> ConfigurationSchema = new(() => JsonSchema.FromText(VoiceAgentSamples.Read(VoiceAgentSamples.Schema)));

    /// <summary>
    /// The tools. A tool is side-effecting and not idempotent unless it says otherwise: the five that change
    /// nothing (the plan is only its own result) opt out, so they are retried and run again freely.
    /// </summary>
    public IReadOnlyList<Chat.AgentTool> All() =>
    [
        new(AIFunctionFactory.Create(ListDocumentsAsync, "list_documents",
            "Lists the documents provided for this request: name and size."))
        {
            SideEffects = false,
        },
        ReadDocument(),
        new(AIFunctionFactory.Create(GetCurrentConfigurationAsync, "get_current_configuration",
            "Returns the voice agent configuration that is live today, as JSON."))
        {
            SideEffects = false,
        },
        new(AIFunctionFactory.Create(WritePlanAsync, "write_plan",
            "Records the implementation plan: a title and ordered steps."))
        {
            SideEffects = false,
        },
        new(AIFunctionFactory.Create(ValidateConfigurationAsync, "validate_configuration",
            "Validates a voice agent configuration against the configuration JSON Schema; returns every error with its location."))
        {
            SideEffects = false,
        },
        new(AIFunctionFactory.Create(PublishConfigurationAsync, "publish_configuration",
            "Publishes a validated configuration so the voice agent uses it on its next call. Needs a person's approval."))
        {
            RequiresApproval = true,
            SideEffects = true,
            Idempotent = true,
            ApprovalQuestion = "Publish this voice agent configuration? Callers will hear it on their next call.",
        },
        new(AIFunctionFactory.Create(NotifyTeamAsync, "notify_team",
            "Posts a message to a team channel."))
        {
            SideEffects = true,
            Idempotent = false,
        },
    ];

    /// <summary><c>read_document</c>, read-only: the full text of one of the run's documents (also <c>document-analyst</c>'s tool).</summary>
    public Chat.AgentTool ReadDocument() =>
        new(AIFunctionFactory.Create(ReadDocumentAsync, "read_document", "Returns the full text of one provided document."))
        {
            SideEffects = false,
        };

    private async Task<JsonObject> ListDocumentsAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        await Task.Delay(options.Value.ToolLatency, time, cancellationToken);
        var documents = Documents(Chat.ToolCallContext.From(arguments).Input);
        return new JsonObject
        {
            ["documents"] = new JsonArray([.. documents.Select(d => (JsonNode)new JsonObject { ["name"] = d.Name, ["characters"] = d.Content.Length })]),
        };
    }

    private async Task<JsonObject> ReadDocumentAsync(
        [Description("The document's name, as list_documents gives it.")] string name,
        AIFunctionArguments arguments,
        CancellationToken cancellationToken)
    {
        await Task.Delay(options.Value.ToolLatency, time, cancellationToken);
        var documents = Documents(Chat.ToolCallContext.From(arguments).Input);
        foreach (var document in documents)
        {
            if (document.Name == name)
            {
                return new JsonObject { ["name"] = document.Name, ["content"] = document.Content };
            }
        }

        throw new ArgumentException($"No document named '{name}'. Documents: {string.Join(", ", documents.Select(d => d.Name))}.");
    }

    private async Task<JsonNode> GetCurrentConfigurationAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        await Task.Delay(options.Value.ToolLatency, time, cancellationToken);
        var input = Chat.ToolCallContext.From(arguments).Input;
        return input.TryGetProperty("currentConfiguration", out var current) && current.ValueKind == JsonValueKind.Object
            ? JsonNode.Parse(current.GetRawText())!
            : JsonNode.Parse(VoiceAgentSamples.Read(VoiceAgentSamples.CurrentConfiguration))!;
    }

    private async Task<JsonObject> WritePlanAsync(
        [Description("A short title for the plan.")] string title,
        [Description("The plan's steps, in order.")] string[] steps,
        CancellationToken cancellationToken)
    {
        await Task.Delay(options.Value.ToolLatency, time, cancellationToken);
        if (steps.Length == 0)
        {
            throw new ArgumentException("A plan needs at least one step.");
        }

        return new JsonObject { ["title"] = title, ["steps"] = steps.Length, ["recorded"] = true };
    }

    private async Task<JsonObject> ValidateConfigurationAsync(
        [Description("The complete voice agent configuration to validate.")] JsonElement configuration,
        CancellationToken cancellationToken)
    {
        await Task.Delay(options.Value.ToolLatency, time, cancellationToken);
        return Validate(configuration);
    }

    private async Task<JsonObject> PublishConfigurationAsync(
        [Description("The validated configuration to publish.")] JsonElement configuration,
        [Description("One sentence on what changed.")] string summary,
        AIFunctionArguments arguments,
        CancellationToken cancellationToken)
    {
        var call = Chat.ToolCallContext.From(arguments);
        await Task.Delay(options.Value.ToolLatency, time, cancellationToken);
        if (Validate(configuration)["valid"]!.GetValue<bool>() is false)
        {
            throw new ArgumentException("The configuration does not validate; validate and fix it before publishing.");
        }

        var name = configuration.TryGetProperty("name", out var n) ? n.GetString() ?? "" : "";
        await using var command = dataSource.CreateCommand("""
            INSERT INTO oa_published_configurations (idempotency_key, run_id, name, configuration, summary)
            VALUES ($1, $2, $3, $4::jsonb, $5) ON CONFLICT (idempotency_key) DO NOTHING
            """);
        command.Parameters.AddWithValue(call.IdempotencyKey);
        command.Parameters.AddWithValue(call.RunId);
        command.Parameters.AddWithValue(name);
        command.Parameters.AddWithValue(configuration.GetRawText());
        command.Parameters.AddWithValue(summary);
        var inserted = await command.ExecuteNonQueryAsync(cancellationToken);
        await Task.Delay(options.Value.SideEffectHold, time, cancellationToken);
        return new JsonObject
        {
            ["published"] = true,
            ["name"] = name,
            ["publicationId"] = call.IdempotencyKey,
            ["alreadyPublished"] = inserted == 0,
        };
    }

    private async Task<JsonObject> NotifyTeamAsync(
        [Description("The channel, e.g. #voice-agents.")] string channel,
        [Description("The message.")] string message,
        AIFunctionArguments arguments,
        CancellationToken cancellationToken)
    {
        var call = Chat.ToolCallContext.From(arguments);
        await Task.Delay(options.Value.ToolLatency, time, cancellationToken);
        await using var command = dataSource.CreateCommand(
            "INSERT INTO oa_notifications (run_id, idempotency_key, channel, message) VALUES ($1, $2, $3, $4) RETURNING id");
        command.Parameters.AddWithValue(call.RunId);
        command.Parameters.AddWithValue(call.IdempotencyKey);
        command.Parameters.AddWithValue(channel);
        command.Parameters.AddWithValue(message);
        var id = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        await Task.Delay(options.Value.SideEffectHold, time, cancellationToken);
        return new JsonObject { ["sent"] = true, ["channel"] = channel, ["notificationId"] = id };
    }

    /// <summary>JSON Schema validation: <c>{ valid, errors: [ { path, keyword, message } ] }</c>.</summary>
    public static JsonObject Validate(JsonElement configuration)
    {
        var results = ConfigurationSchema.Value.Evaluate(configuration, new EvaluationOptions { OutputFormat = OutputFormat.List });
        var errors = new JsonArray();
        foreach (var detail in results.Details ?? [])
        {
            foreach (var (keyword, message) in detail.Errors ?? new Dictionary<string, string>())
            {
                errors.Add(new JsonObject
                {
                    ["path"] = detail.InstanceLocation.ToString(),
                    ["keyword"] = keyword,
                    ["message"] = message,
                });
            }
        }

        if (!results.IsValid && errors.Count == 0)
        {
            errors.Add(new JsonObject { ["path"] = "", ["keyword"] = "type", ["message"] = "The configuration is not valid." });
        }

        return new JsonObject { ["valid"] = results.IsValid, ["errors"] = errors };
    }

    /// <summary>The run's documents: inline <c>{ name, content }</c> or names of shipped samples; all samples when none are given.</summary>
    public static IReadOnlyList<(string Name, string Content)> Documents(JsonElement input)
    {
        if (!input.TryGetProperty("documents", out var list) || list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0)
        {
            return [.. VoiceAgentSamples.Documents.Select(d => (d, VoiceAgentSamples.Read(d)))];
        }

        return [.. list.EnumerateArray().Select(d => d.ValueKind == JsonValueKind.String
            ? (d.GetString()!, VoiceAgentSamples.Read(d.GetString()!))
            : (d.GetProperty("name").GetString()!, d.GetProperty("content").GetString()!))];
    }
}
