using Microsoft.Extensions.AI;

namespace OrleansAgents.Models.Offline;

/// <summary>
/// How the offline model behaves for one kind of agent: from the conversation so far, the next turn.
/// Deterministic: the same conversation always gives the same turn.
/// </summary>
public interface IOfflinePlaybook
{
    /// <summary>Whether this playbook knows the agent offering these tools.</summary>
    bool Handles(IReadOnlyCollection<string> toolNames);

    OfflineTurn Next(OfflineConversation conversation);
}

/// <summary>A model turn: text, and tool calls when the model wants tools run.</summary>
public sealed record OfflineTurn(string Text, IReadOnlyList<OfflineToolCall> Calls)
{
    public static OfflineTurn Answer(string text) => new(text, []);
}

/// <summary>One tool call with its JSON arguments.</summary>
public sealed record OfflineToolCall(string Name, System.Text.Json.Nodes.JsonObject Arguments);

/// <summary>The conversation as a playbook reads it: the request, steer messages, and tool results in order.</summary>
public sealed class OfflineConversation
{
    private OfflineConversation(string request, IReadOnlyList<string> steer, IReadOnlyList<ToolOutcome> tools)
    {
        Request = request;
        Steer = steer;
        Tools = tools;
    }

    /// <summary>The user's first message.</summary>
    public string Request { get; }

    /// <summary>Later user messages.</summary>
    public IReadOnlyList<string> Steer { get; }

    /// <summary>Every tool call answered so far, in order.</summary>
    public IReadOnlyList<ToolOutcome> Tools { get; }

    public IEnumerable<ToolOutcome> Calls(string name) => Tools.Where(t => t.Name == name);

    public ToolOutcome? Last(string name) => Tools.LastOrDefault(t => t.Name == name);

    public static OfflineConversation Read(IEnumerable<ChatMessage> messages)
    {
        var users = new List<string>();
        var calls = new Dictionary<string, FunctionCallContent>(StringComparer.Ordinal);
        var tools = new List<ToolOutcome>();
        foreach (var message in messages)
        {
            if (message.Role == ChatRole.User)
            {
                users.Add(message.Text);
            }

            foreach (var content in message.Contents)
            {
                if (content is FunctionCallContent call)
                {
                    calls[call.CallId] = call;
                }
                else if (content is FunctionResultContent result && calls.TryGetValue(result.CallId, out var origin))
                {
                    tools.Add(new ToolOutcome(origin.Name, origin.Arguments ?? new Dictionary<string, object?>(), result.Result?.ToString() ?? "null"));
                }
            }
        }

        return new OfflineConversation(users.FirstOrDefault() ?? "", [.. users.Skip(1)], tools);
    }
}

/// <summary>A tool call and the JSON text it returned.</summary>
public sealed record ToolOutcome(string Name, IDictionary<string, object?> Arguments, string Result);
