using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using OrleansAgents.Runs;

namespace OrleansAgents.Agents.Chat;

/// <summary>
/// Runs a <see cref="ChatAgentDefinition"/> as journaled steps: each model call is one step (<c>model</c>),
/// each tool call its own step (<c>tool:&lt;name&gt;</c>). The conversation is the agent's memory
/// (<see cref="ChatMemory"/>), appended per committed step and kept in the run's snapshots, so a resumed run
/// sends the model exactly what it would have sent before the crash.
/// </summary>
public sealed class ChatAgent : IAgent
{
    public const string ModelStep = "model";
    public const string ToolStepPrefix = "tool:";

    private readonly ChatAgentDefinition _definition;
    private readonly Dictionary<string, AgentTool> _tools;
    private readonly ChatOptions _options;

    public ChatAgent(ChatAgentDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        _definition = definition;
        _tools = definition.Tools.ToDictionary(t => t.Name, StringComparer.Ordinal);
        _options = new ChatOptions { Tools = [.. definition.Tools.Select(t => (AITool)t.Function)], ToolMode = ChatToolMode.Auto };
        Version = definition.Version ?? ComputeVersion(definition);
    }

    public string Name => _definition.Name;

    public string Version { get; }

    public IReadOnlyList<string> SampleDocuments => _definition.SampleDocuments;

    public int? MaxSteps => _definition.MaxSteps;

    public AgentUpgradePolicy UpgradePolicy => _definition.UpgradePolicy;

    public void ValidateInput(JsonElement input) => _definition.ValidateInput(input);

    public AgentMemory NewMemory(JsonElement input) => ChatMemory.New(_definition.Track);

    public AgentMemory? ReadMemory(JsonElement input, string json) => ChatMemory.Read(json, _definition.Track);

    public AgentDecision Decide(AgentContext context)
    {
        var memory = (ChatMemory)context.Memory;
        if (memory.Turns.IsEmpty)
        {
            var first = new JsonArray
            {
                Message("system", _definition.Instructions),
                Message("user", _definition.UserMessage(context.Input)),
            };
            AddSteer(first, context.Messages, 0);
            return ModelCall(first, context.Messages.Count);
        }

        var response = JsonNode.Parse(memory.Turns[^1].Result)!;
        var calls = response["toolCalls"]?.AsArray() ?? [];
        var toolStepsDone = memory.ToolResults.Count;
        if (toolStepsDone < calls.Count)
        {
            if (AtLimit(context.StepCount) is { } limit)
            {
                return limit;
            }

            var call = calls[toolStepsDone]!;
            var args = new JsonObject
            {
                ["callId"] = call["callId"]?.GetValue<string>(),
                ["tool"] = call["name"]?.GetValue<string>(),
                ["arguments"] = call["arguments"]?.DeepClone() ?? new JsonObject(),
            };
            return new AgentDecision.Next(ToolStepPrefix + call["name"]!.GetValue<string>(), args.ToJsonString());
        }

        var messages = new JsonArray();
        foreach (var toolResult in memory.ToolResults)
        {
            var result = JsonNode.Parse(toolResult)!.AsObject();
            var content = result["output"]?.ToJsonString() ?? Without(result, "callId", "tool").ToJsonString();
            messages.Add(new JsonObject
            {
                ["role"] = "tool",
                ["toolCallId"] = result["callId"]?.GetValue<string>(),
                ["toolName"] = result["tool"]?.GetValue<string>(),
                ["text"] = content,
            });
        }

        AddSteer(messages, context.Messages, memory.SteerSeen);
        if (messages.Count == 0)
        {
            var text = response["text"]?.GetValue<string>() ?? "";
            return new AgentDecision.Finish(_definition.Output?.Invoke(memory.Tracked, text) ?? new JsonObject { ["text"] = text }.ToJsonString());
        }

        return AtLimit(context.StepCount) ?? (AgentDecision)ModelCall(messages, context.Messages.Count);
    }

    /// <summary>The run may take no further step: a final answer at the limit still finishes it.</summary>
    private AgentDecision.Fail? AtLimit(int steps) => steps >= _definition.MaxSteps
        ? new AgentDecision.Fail($"The run reached its limit of {_definition.MaxSteps} steps without a final answer from the model.")
        : null;

    public StepPolicy GetPolicy(StepPlan step)
    {
        if (step.Name == ModelStep)
        {
            return new StepPolicy { Timeout = _definition.ModelTimeout };
        }

        var name = step.Name[ToolStepPrefix.Length..];
        var arguments = JsonNode.Parse(step.Args)?["arguments"]?.ToJsonString() ?? "{}";
        return _tools.TryGetValue(name, out var tool)
            ? new StepPolicy
            {
                RequiresApproval = tool.RequiresApproval,
                SideEffects = tool.SideEffects,
                Idempotent = tool.Idempotent,
                Timeout = tool.Timeout ?? _definition.ToolTimeout,
                Tool = name,
                ToolArguments = arguments,
                ApprovalQuestion = tool.ApprovalQuestion,
            }
            : new StepPolicy { Tool = name, ToolArguments = arguments };
    }

    /// <summary>Also the OpenAI client's HTTP failures: 408, 429, 5xx and lost connections.</summary>
    public bool IsTransient(Exception exception) => exception switch
    {
        System.ClientModel.ClientResultException client => client.Status is 0 or 408 or 429 or >= 500,
        _ => TransientFailures.IsTransient(exception) || (exception.InnerException is { } inner && IsTransient(inner)),
    };

    public Task<StepOutput> ExecuteStepAsync(StepContext context, CancellationToken cancellationToken) =>
        context.Step.Name == ModelStep
            ? CallModelAsync(context, cancellationToken)
            : CallToolAsync(context, cancellationToken);

    public string SkippedResult(StepPlan step, string reason)
    {
        var args = JsonNode.Parse(step.Args);
        return new JsonObject
        {
            ["callId"] = args?["callId"]?.GetValue<string>(),
            ["tool"] = args?["tool"]?.GetValue<string>(),
            ["rejected"] = true,
            ["reason"] = reason,
        }.ToJsonString();
    }

    private async Task<StepOutput> CallModelAsync(StepContext context, CancellationToken cancellationToken)
    {
        var messages = Conversation.Next(((ChatMemory)context.Run.Memory).Messages, context.Step.Args);
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in _definition.Model.GetStreamingResponseAsync(messages, _options, cancellationToken))
        {
            updates.Add(update);
            if (update.Text is { Length: > 0 } text)
            {
                context.OnText?.Invoke(text);
            }
        }

        var response = updates.ToChatResponse();
        var calls = new JsonArray();
        foreach (var call in response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>())
        {
            calls.Add(new JsonObject
            {
                ["callId"] = call.CallId,
                ["name"] = call.Name,
                ["arguments"] = JsonSerializer.SerializeToNode(call.Arguments ?? new Dictionary<string, object?>(), AIJsonUtilities.DefaultOptions),
            });
        }

        var result = new JsonObject
        {
            ["text"] = response.Text,
            ["toolCalls"] = calls,
            ["finishReason"] = response.FinishReason?.Value,
            ["model"] = response.ModelId,
        };
        var usage = response.Usage is { } u
            ? new RunUsage(u.InputTokenCount ?? 0, u.OutputTokenCount ?? 0, u.TotalTokenCount ?? ((u.InputTokenCount ?? 0) + (u.OutputTokenCount ?? 0)))
            : null;
        return new StepOutput(result.ToJsonString(), usage);
    }

    private async Task<StepOutput> CallToolAsync(StepContext context, CancellationToken cancellationToken)
    {
        using var doc = JsonDocument.Parse(context.Step.Args);
        var root = doc.RootElement;
        var callId = root.TryGetProperty("callId", out var id) ? id.GetString() : null;
        var name = context.Step.Name[ToolStepPrefix.Length..];
        var result = new JsonObject { ["callId"] = callId, ["tool"] = name };
        if (!_tools.TryGetValue(name, out var tool))
        {
            result["error"] = $"There is no tool named '{name}'. Available tools: {string.Join(", ", _tools.Keys)}.";
            return new StepOutput(result.ToJsonString());
        }

        var arguments = new AIFunctionArguments();
        if (root.TryGetProperty("arguments", out var args) && args.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in args.EnumerateObject())
            {
                arguments[property.Name] = property.Value.Clone();
            }
        }

        arguments.Context = new Dictionary<object, object?>
        {
            [typeof(ToolCallContext)] = new ToolCallContext(context.Run.RunId, context.Step.Index, context.Run.Input, context.IdempotencyKey),
        };

        try
        {
            var value = await tool.Function.InvokeAsync(arguments, cancellationToken);
            result["output"] = value switch
            {
                null => null,
                JsonElement element => JsonNode.Parse(element.GetRawText()),
                JsonNode node => node.DeepClone(),
                _ => JsonSerializer.SerializeToNode(value, AIJsonUtilities.DefaultOptions),
            };
        }
        catch (Exception ex) when (ex is not OperationCanceledException && !IsTransient(ex))
        {
            // The model can act on a tool's error (fix its arguments, try another way): it is the tool's result.
            result["error"] = ex.Message;
        }

        return new StepOutput(result.ToJsonString());
    }

    private AgentDecision.Next ModelCall(JsonArray messages, int steerCount) =>
        new(ModelStep, new JsonObject
        {
            ["messages"] = messages,
            ["tools"] = new JsonArray([.. _tools.Keys.Select(k => (JsonNode)k)]),
            ["steer"] = steerCount,
        }.ToJsonString());

    private static void AddSteer(JsonArray messages, IReadOnlyList<string> steer, int from)
    {
        for (var i = from; i < steer.Count; i++)
        {
            messages.Add(Message("user", steer[i]));
        }
    }

    private static JsonObject Message(string role, string text) => new() { ["role"] = role, ["text"] = text };

    private static JsonObject Without(JsonObject source, params string[] names)
    {
        var copy = source.DeepClone().AsObject();
        foreach (var name in names)
        {
            copy.Remove(name);
        }

        return copy;
    }

    /// <summary>
    /// What a chat agent's runs write to their journal beyond the run's own events: 2 since streamed text is
    /// committed as drafts (<c>step.delta</c>), which builds before it cannot read. Part of the version, so a deploy
    /// that changes it gives the agent a new version: placement keeps the new runs off silos of the older build,
    /// and runs in flight upgrade onto the new one (their journals stay readable by it).
    /// </summary>
    private const int JournalFormat = 2;

    private static string ComputeVersion(ChatAgentDefinition definition)
    {
        var text = new StringBuilder()
            .Append("journal:").Append(JournalFormat).Append('\n')
            .Append(definition.Name).Append('\n')
            .Append(definition.Instructions).Append('\n')
            .Append(definition.MaxSteps).Append('\n');
        foreach (var tool in definition.Tools)
        {
            text.Append(tool.Name).Append('|').Append(tool.Function.Description).Append('|')
                .Append(tool.Function.JsonSchema.GetRawText()).Append('|')
                .Append(tool.RequiresApproval).Append(tool.SideEffects).Append(tool.Idempotent).Append('\n');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..12];
    }
}
