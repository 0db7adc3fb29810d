using System.Text.Json;
using System.Text.Json.Nodes;
using OrleansAgents.Agents.Chat;
using OrleansAgents.Runs;

namespace OrleansAgents.Agents.VoiceAgentBuilder;

/// <summary>
/// The input of the agents that work on documents (<c>voice-agent-builder</c>, <c>document-analyst</c>):
/// <c>{ "request": "...", "documents": [ "sample.md" | { "name", "content" } ] }</c>, its checks, the user message
/// it becomes, and a delegated task's share of it.
/// </summary>
internal static class DocumentsInput
{
    public const int MaxRequestChars = 4_000;
    public const int MaxDocuments = 10;
    public const int MaxDocumentChars = 100_000;

    /// <summary>Checks the request and the documents; <paramref name="requireContent"/>: at least one document, none empty.</summary>
    public static void Validate(JsonElement input, string agent, bool requireContent)
    {
        if (input.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidRunRequestException($"{agent} takes an object: {{ \"request\": \"...\", \"documents\": [ ... ] }}.");
        }

        if (!input.TryGetProperty("request", out var request) || request.ValueKind != JsonValueKind.String
            || request.GetString()!.Trim().Length == 0 || request.GetString()!.Length > MaxRequestChars)
        {
            throw new InvalidRunRequestException($"'request' must be a non-empty string of at most {MaxRequestChars} characters.");
        }

        if (!input.TryGetProperty("documents", out var documents))
        {
            if (requireContent)
            {
                throw new InvalidRunRequestException($"{agent} needs 'documents': the documents to work on.");
            }

            return;
        }

        if (documents.ValueKind != JsonValueKind.Array || documents.GetArrayLength() > MaxDocuments || (requireContent && documents.GetArrayLength() == 0))
        {
            throw new InvalidRunRequestException($"'documents' must be an array of {(requireContent ? 1 : 0)} to {MaxDocuments} items.");
        }

        foreach (var document in documents.EnumerateArray())
        {
            if (document.ValueKind == JsonValueKind.String)
            {
                if (!VoiceAgentSamples.Exists(document.GetString()!) || !VoiceAgentSamples.Documents.Contains(document.GetString()))
                {
                    throw new InvalidRunRequestException(
                        $"Unknown sample document '{document.GetString()}'. Samples: {string.Join(", ", VoiceAgentSamples.Documents)}; or pass {{ \"name\", \"content\" }}.");
                }
            }
            else if (document.ValueKind != JsonValueKind.Object
                || !document.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String || name.GetString()!.Length == 0
                || !document.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.String
                || content.GetString()!.Length > MaxDocumentChars)
            {
                throw new InvalidRunRequestException(
                    $"Each document is a sample name or {{ \"name\": \"...\", \"content\": \"...\" }} with at most {MaxDocumentChars} characters.");
            }
            else if (requireContent && content.GetString()!.Trim().Length == 0)
            {
                throw new InvalidRunRequestException($"Document '{name.GetString()}' is empty: {agent} has nothing to work on.");
            }
        }
    }

    /// <summary>The user's first message: the request and the names of the documents provided.</summary>
    public static string UserMessage(JsonElement input) =>
        $"{input.GetProperty("request").GetString()}\n\nDocuments provided: {string.Join(", ", VoiceAgentTools.Documents(input).Select(d => d.Name))}.";

    /// <summary>
    /// A delegated task's input: the task as the request, with the run's documents the task names (as the run's input
    /// gives them: sample names stay names). A task that names none of them is refused, for the model to name one.
    /// </summary>
    public static string ForTask(JsonElement runInput, DelegatedTask task)
    {
        var given = runInput.TryGetProperty("documents", out var list) && list.ValueKind == JsonValueKind.Array && list.GetArrayLength() > 0
            ? list.EnumerateArray().Select(d => (Name: d.ValueKind == JsonValueKind.String ? d.GetString()! : d.GetProperty("name").GetString()!, Node: JsonNode.Parse(d.GetRawText())!)).ToList()
            : [.. VoiceAgentSamples.Documents.Select(d => (Name: d, Node: (JsonNode)JsonValue.Create(d)))];
        var named = given.Where(d => Names(task.Task, d.Name)).ToList();
        if (named.Count == 0)
        {
            throw new ArgumentException($"The task names none of this run's documents ({string.Join(", ", given.Select(d => d.Name))}); name the document it is about.");
        }

        return new JsonObject
        {
            ["request"] = task.Task,
            ["documents"] = new JsonArray([.. named.Select(d => d.Node)]),
        }.ToJsonString();
    }

    /// <summary>Whether the text names the document: its name, not as part of a longer name.</summary>
    private static bool Names(string text, string name)
    {
        for (var at = text.IndexOf(name, StringComparison.Ordinal); at >= 0; at = text.IndexOf(name, at + 1, StringComparison.Ordinal))
        {
            var before = at == 0 ? ' ' : text[at - 1];
            var after = at + name.Length >= text.Length ? ' ' : text[at + name.Length];
            if (!PartOfName(before) && (!PartOfName(after) || (after == '.' && (at + name.Length + 1 >= text.Length || !PartOfName(text[at + name.Length + 1])))))
            {
                return true;
            }
        }

        return false;
    }

    private static bool PartOfName(char c) => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' or '/';
}
