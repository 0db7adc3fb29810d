using System.Text.Json;
using Microsoft.Extensions.AI;

namespace OrleansAgents.Agents.Chat;

/// <summary>
/// The conversation in the model's terms: each committed model step adds its <c>args.messages</c> (what it
/// added) followed by its response, parsed once when the step is committed (<see cref="ChatMemory"/>). Tool
/// steps' results reach the conversation through the next model step's <c>args.messages</c>.
/// </summary>
internal static class Conversation
{
    /// <summary>The messages one committed model step adds to the conversation: its arguments' messages, then its response.</summary>
    public static List<ChatMessage> Turn(string args, string result)
    {
        var messages = new List<ChatMessage>();
        AddArgs(messages, args);
        AddResponse(messages, result);
        return messages;
    }

    /// <summary>The next model call's messages: the conversation so far and what the step adds.</summary>
    public static List<ChatMessage> Next(IReadOnlyList<ChatMessage> conversation, string nextArgs)
    {
        var messages = new List<ChatMessage>(conversation.Count + 4);
        messages.AddRange(conversation);
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
