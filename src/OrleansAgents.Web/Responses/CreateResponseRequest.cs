using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OrleansAgents.Web.Responses;

/// <summary>
/// <c>POST /v1/responses</c>, read strictly: a field the Responses API does not define is refused
/// (<c>unknown_parameter</c>); fields it defines that an agent cannot honour (its own instructions and tools)
/// are refused when set; the sampling and formatting fields a client sends by habit are accepted and ignored.
/// </summary>
/// <param name="Model">The agent's name.</param>
/// <param name="AgentInput">The agent's input as JSON (from <c>input</c>); null when the request only answers approvals.</param>
/// <param name="Approvals">The <c>mcp_approval_response</c> items.</param>
/// <param name="PreviousResponseId">The response this one continues.</param>
/// <param name="Background">Whether the call returns at once.</param>
/// <param name="Stream">Whether the answer is the event stream.</param>
/// <param name="Metadata">Up to 16 string pairs, kept with the response.</param>
public sealed record CreateResponseRequest(
    string Model, string? AgentInput, IReadOnlyList<ApprovalAnswer> Approvals, string? PreviousResponseId, bool Background, bool Stream, JsonObject Metadata)
{
    public const int MaxMetadataPairs = 16;
    public const int MaxMetadataKeyChars = 64;
    public const int MaxMetadataValueChars = 512;

    private static readonly HashSet<string> Ignored = new(StringComparer.Ordinal)
    {
        "store", "temperature", "top_p", "max_output_tokens", "max_tool_calls", "tool_choice", "parallel_tool_calls", "truncation",
        "user", "text", "reasoning", "include", "service_tier", "prompt_cache_key", "prompt_cache_retention", "safety_identifier",
        "stream_options", "top_logprobs", "conversation", "prompt",
    };

    public static CreateResponseRequest Parse(JsonElement root, int maxInputBytes)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new OpenAIErrorException(400, "The request body must be a JSON object.", null, "invalid_json");
        }

        string? model = null;
        string? previous = null;
        bool background = false, stream = false;
        bool? store = null;
        var metadata = new JsonObject();
        string? text = null;
        string? inputObject = null;
        var approvals = new List<ApprovalAnswer>();
        foreach (var property in root.EnumerateObject())
        {
            var value = property.Value;
            switch (property.Name)
            {
                case "model":
                    model = value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } m
                        ? m
                        : throw Invalid("'model' must be a non-empty string: the name of an agent (GET /v1/models).", "model");
                    break;
                case "input":
                    (text, inputObject) = ReadInput(value, approvals);
                    break;
                case "previous_response_id":
                    previous = value.ValueKind switch
                    {
                        JsonValueKind.Null => null,
                        JsonValueKind.String => value.GetString(),
                        _ => throw Invalid("'previous_response_id' must be a string.", "previous_response_id"),
                    };
                    break;
                case "background":
                    background = Bool(value, "background");
                    break;
                case "stream":
                    stream = Bool(value, "stream");
                    break;
                case "metadata":
                    metadata = ReadMetadata(value);
                    break;
                case "instructions":
                    if (value.ValueKind != JsonValueKind.Null)
                    {
                        throw Invalid("'instructions' is not supported: an agent's instructions are part of its definition.", "instructions", "unsupported_parameter");
                    }

                    break;
                case "tools":
                    if (value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Array) || (value.ValueKind == JsonValueKind.Array && value.GetArrayLength() > 0))
                    {
                        throw Invalid("'tools' is not supported: an agent brings its own tools, which run on this server.", "tools", "unsupported_parameter");
                    }

                    break;
                case "store":
                    store = value.ValueKind == JsonValueKind.Null ? null : Bool(value, "store");
                    break;
                default:
                    if (!Ignored.Contains(property.Name))
                    {
                        throw Invalid($"Unknown parameter: '{property.Name}'.", property.Name, "unknown_parameter");
                    }

                    break;
            }
        }

        if (model is null)
        {
            throw Invalid("Missing required parameter: 'model'.", "model", "missing_required_parameter");
        }

        if (store == false && (background || previous is not null))
        {
            throw Invalid("Background responses and responses that continue another are stored: 'store' must not be false.", "store");
        }

        string? agentInput = null;
        if (previous is null)
        {
            if (approvals.Count > 0)
            {
                throw Invalid("An 'mcp_approval_response' item answers an earlier response: name it in 'previous_response_id'.", "input");
            }

            agentInput = inputObject ?? (text is { Length: > 0 }
                ? new JsonObject { ["request"] = text }.ToJsonString()
                : throw Invalid("'input' must be a non-empty string or a list of message items.", "input", "missing_required_parameter"));
        }
        else if (approvals.Count != 1 || text is { Length: > 0 } || inputObject is not null)
        {
            throw Invalid("A response that continues another takes one 'mcp_approval_response' item as its input, answering the approval request that ended it.", "input");
        }

        if (agentInput is not null && Encoding.UTF8.GetByteCount(agentInput) > maxInputBytes)
        {
            throw Invalid($"'input' is larger than {maxInputBytes} bytes (OrleansAgents:FrontEnd:MaxInputBytes).", "input", "input_too_large");
        }

        return new CreateResponseRequest(model, agentInput, approvals, previous, background, stream, metadata);
    }

    /// <summary>A string, or message items whose text is the request; a JSON object in a string is the agent's input as is.</summary>
    private static (string? Text, string? Object) ReadInput(JsonElement value, List<ApprovalAnswer> approvals)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            return TextOrObject(value.GetString()!);
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw Invalid("'input' must be a string or an array of input items.", "input");
        }

        var texts = new List<string>();
        var i = 0;
        foreach (var item in value.EnumerateArray())
        {
            var param = $"input[{i++}]";
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw Invalid("Each input item must be an object.", param);
            }

            var type = item.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : "message";
            switch (type)
            {
                case "message":
                    var role = item.TryGetProperty("role", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
                    if (role is not ("user" or "developer" or "system"))
                    {
                        throw Invalid($"'{param}.role' must be 'user', 'developer' or 'system'.", $"{param}.role");
                    }

                    texts.Add(MessageText(item, param));
                    break;
                case "mcp_approval_response":
                    var id = item.TryGetProperty("approval_request_id", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString() : null;
                    if (id is null || !item.TryGetProperty("approve", out var approve) || approve.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                    {
                        throw Invalid($"'{param}' needs 'approval_request_id' (a string) and 'approve' (true or false).", param);
                    }

                    var reason = item.TryGetProperty("reason", out var why) && why.ValueKind == JsonValueKind.String ? why.GetString() : null;
                    approvals.Add(new ApprovalAnswer(id, approve.ValueKind == JsonValueKind.True, reason));
                    break;
                default:
                    throw Invalid($"Input items of type '{type}' are not supported here: send messages, or 'mcp_approval_response' items.", $"{param}.type");
            }
        }

        return TextOrObject(string.Join("\n\n", texts.Where(t => t.Length > 0)));
    }

    /// <summary>The request's text, or, when the text is a JSON object, the agent's whole input (documents, options).</summary>
    private static (string? Text, string? Object) TextOrObject(string text)
    {
        if (text.TrimStart().StartsWith('{'))
        {
            try
            {
                using var doc = JsonDocument.Parse(text);
                if (doc.RootElement.ValueKind == JsonValueKind.Object)
                {
                    return (null, doc.RootElement.GetRawText());
                }
            }
            catch (JsonException)
            {
                // not JSON after all: it is the request's text
            }
        }

        return (text, null);
    }

    private static string MessageText(JsonElement item, string param)
    {
        if (!item.TryGetProperty("content", out var content))
        {
            throw Invalid($"'{param}.content' is required.", $"{param}.content", "missing_required_parameter");
        }

        if (content.ValueKind == JsonValueKind.String)
        {
            return content.GetString()!;
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            throw Invalid($"'{param}.content' must be a string or an array of content parts.", $"{param}.content");
        }

        var parts = new List<string>();
        foreach (var part in content.EnumerateArray())
        {
            var type = part.ValueKind == JsonValueKind.Object && part.TryGetProperty("type", out var t) ? t.GetString() : null;
            if (type is not ("input_text" or "output_text") || !part.TryGetProperty("text", out var text) || text.ValueKind != JsonValueKind.String)
            {
                throw Invalid($"'{param}.content' parts must be 'input_text' with a string 'text'.", $"{param}.content");
            }

            parts.Add(text.GetString()!);
        }

        return string.Join("\n", parts);
    }

    private static JsonObject ReadMetadata(JsonElement value)
    {
        var metadata = new JsonObject();
        if (value.ValueKind == JsonValueKind.Null)
        {
            return metadata;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Invalid("'metadata' must be an object of string values.", "metadata");
        }

        foreach (var pair in value.EnumerateObject())
        {
            if (pair.Value.ValueKind != JsonValueKind.String || pair.Name.Length > MaxMetadataKeyChars || pair.Value.GetString()!.Length > MaxMetadataValueChars)
            {
                throw Invalid($"'metadata' holds strings: keys of at most {MaxMetadataKeyChars} characters, values of at most {MaxMetadataValueChars}.", $"metadata.{pair.Name}");
            }

            metadata[pair.Name] = pair.Value.GetString();
        }

        return metadata.Count <= MaxMetadataPairs
            ? metadata
            : throw Invalid($"'metadata' holds at most {MaxMetadataPairs} pairs.", "metadata");
    }

    private static bool Bool(JsonElement value, string name) => value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False or JsonValueKind.Null => false,
        _ => throw Invalid($"'{name}' must be true or false.", name),
    };

    private static OpenAIErrorException Invalid(string message, string? param, string? code = "invalid_value") => new(400, message, param, code);
}
