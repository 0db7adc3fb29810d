using System.Text.Json;
using Microsoft.Extensions.AI;

namespace OrleansAgents.Agents.Chat;

/// <summary>
/// The messages of the next model call from the agent's memory: each model step's <c>args.messages</c>
/// (what it added) followed by its response. Tool steps' results reach the conversation through the next
/// model step's <c>args.messages</c>.
/// </summary>
internal static class Conversation
{
    public static List<ChatMessage> Rebuild(IReadOnlyList<ModelTurn> turns, string nextArgs)
    {
        var messages = new List<ChatMessage>();
        foreach (var turn in turns)
        {
            AddArgs(messages, turn.Args);
            AddResponse(messages, turn.Result);
        }

        AddArgs(messages, nextArgs);
        return messages;
    }

    private static void AddArgs(List<ChatMessage> messages, string args)
    {
        using var doc = JsonDocument.Parse(args);
        if (!doc.RootElement.TryGetProperty("messages", out var list))
        {
            return;
        }

        foreach (var message in list.EnumerateArray())
        {
            var role = message.GetProperty("role").GetString();
            var text = message.TryGetProperty("text", out var t) ? t.GetString() ?? "" : "";
            messages.Add(role switch
            {
                "system" => new ChatMessage(ChatRole.System, text),
                "tool" => new ChatMessage(ChatRole.Tool, [new FunctionResultContent(message.GetProperty("toolCallId").GetString() ?? "", text)]),
                "assistant" => new ChatMessage(ChatRole.Assistant, text),
                _ => new ChatMessage(ChatRole.User, text),
            });
        }
    }

    private static void AddResponse(List<ChatMessage> messages, string result)
    {
        using var doc = JsonDocument.Parse(result);
        var root = doc.RootElement;
        var contents = new List<AIContent>();
        if (root.TryGetProperty("text", out var text) && text.GetString() is { Length: > 0 } value)
        {
            contents.Add(new TextContent(value));
        }

        if (root.TryGetProperty("toolCalls", out var calls))
        {
            foreach (var call in calls.EnumerateArray())
            {
                var arguments = new Dictionary<string, object?>();
                if (call.TryGetProperty("arguments", out var args) && args.ValueKind == JsonValueKind.Object)
                {
                    foreach (var property in args.EnumerateObject())
                    {
                        arguments[property.Name] = property.Value.Clone();
                    }
                }

                contents.Add(new FunctionCallContent(call.GetProperty("callId").GetString() ?? "", call.GetProperty("name").GetString() ?? "", arguments));
            }
        }

        if (contents.Count > 0)
        {
            messages.Add(new ChatMessage(ChatRole.Assistant, contents));
        }
    }
}
