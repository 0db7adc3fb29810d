using System.Text.Json;
using System.Text.Json.Nodes;

namespace OrleansAgents.Agents.Chat;

/// <summary>
/// Turns a <c>delegate_tasks</c> call into the child runs to start, when the chat agent decides the step (so the
/// children, with their inputs, are in the step's arguments and the journal; <see cref="ChatAgent.GetPolicy"/> reads
/// them back). Arguments it cannot use become the tool's error for the model, never an exception: nothing starts.
/// </summary>
internal static class Delegation
{
    /// <summary>
    /// <c>{ "children": [ { "agent", "input" } ] }</c> for the call's tasks, or <c>{ "error": "..." }</c> saying what is
    /// wrong with them. Deterministic: a function of the arguments, the run's input and the definition.
    /// </summary>
    public static JsonObject Plan(JsonNode? arguments, JsonElement runInput, ChatAgentDefinition definition)
    {
        var tasks = ReadTasks(arguments, definition, out var error);
        if (tasks is null)
        {
            return Error(error!);
        }

        var children = new JsonArray();
        for (var i = 0; i < tasks.Count; i++)
        {
            string input;
            try
            {
                input = definition.DelegateInput is { } map ? map(runInput, tasks[i]) : JsonSerializer.Serialize(tasks[i].Task);
                using var parsed = JsonDocument.Parse(input);
            }
            catch (Exception ex) when (ex is ArgumentException or JsonException)
            {
                return Error($"Task {i + 1} ({tasks[i].Agent}): {ex.Message} Nothing was started.");
            }

            children.Add(new JsonObject { ["agent"] = tasks[i].Agent, ["input"] = JsonNode.Parse(input) });
        }

        return new JsonObject { ["children"] = children };
    }

    /// <summary>The child runs a planned call starts, or null when the plan is an error.</summary>
    public static IReadOnlyList<ChildRunSpec>? Children(JsonNode? stepArgs) =>
        stepArgs?["children"] is JsonArray children
            ? [.. children.Select(c => new ChildRunSpec(c!["agent"]!.GetValue<string>(), c["input"]?.ToJsonString() ?? "null"))]
            : null;

    private static List<DelegatedTask>? ReadTasks(JsonNode? arguments, ChatAgentDefinition definition, out string? error)
    {
        var allowed = string.Join(", ", definition.Delegates);
        error = null;
        if (arguments is not JsonObject args || args["tasks"] is not JsonArray list)
        {
            error = $$"""{{DelegateTasksFunction.ToolName}} takes { "tasks": [ { "agent": "...", "task": "..." } ] }. Nothing was started.""";
            return null;
        }

        if (list.Count == 0 || list.Count > definition.MaxDelegatedTasks)
        {
            error = $"Give from 1 to {definition.MaxDelegatedTasks} tasks in one call (this call has {list.Count}). Nothing was started.";
            return null;
        }

        var tasks = new List<DelegatedTask>(list.Count);
        for (var i = 0; i < list.Count; i++)
        {
            var agent = list[i] is JsonObject o && o["agent"] is JsonValue a && a.TryGetValue<string>(out var name) ? name : null;
            var task = list[i] is JsonObject p && p["task"] is JsonValue t && t.TryGetValue<string>(out var text) ? text : null;
            if (agent is null || !definition.Delegates.Contains(agent, StringComparer.Ordinal))
            {
                error = agent is null
                    ? $"Task {i + 1} names no agent; it may go to: {allowed}. Nothing was started."
                    : $"Task {i + 1} names the agent '{agent}', which this agent may not delegate to; it may delegate to: {allowed}. Nothing was started.";
                return null;
            }

            if (string.IsNullOrWhiteSpace(task) || task.Length > DelegateTasksFunction.MaxTaskChars)
            {
                error = $"Task {i + 1} ({agent}) must be a non-empty text of at most {DelegateTasksFunction.MaxTaskChars} characters. Nothing was started.";
                return null;
            }

            tasks.Add(new DelegatedTask(agent, task));
        }

        return tasks;
    }

    private static JsonObject Error(string error) => new() { ["error"] = error };
}
