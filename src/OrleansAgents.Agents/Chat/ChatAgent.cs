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
/// sends the model exactly what it would have sent before the crash. A definition with
/// <see cref="ChatAgentDefinition.Delegates"/> also offers <c>delegate_tasks</c>: its step starts one child run per
/// task and waits for them all (the run does that itself, holding no thread), and the children's outcomes, failures
/// included, are the tool's result.
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
        IReadOnlyList<AgentTool> tools = definition.Tools;
        if (definition.Delegates.Count > 0)
        {
            if (definition.Tools.Any(t => t.Name == DelegateTasksFunction.ToolName))
            {
                throw new ArgumentException($"Agent '{definition.Name}' delegates, so '{DelegateTasksFunction.ToolName}' is its built-in tool; rename its own tool of that name.", nameof(definition));
            }

            if (definition.MaxDelegatedTasks < 1)
            {
                throw new ArgumentException($"Agent '{definition.Name}': MaxDelegatedTasks must be at least 1.", nameof(definition));
            }

            // Starting children changes nothing the run cannot redo: their IDs come from the run and the step.
            tools = [.. definition.Tools, new AgentTool(new DelegateTasksFunction(definition.Delegates, definition.MaxDelegatedTasks)) { SideEffects = false, Idempotent = true }];
        }

        _tools = tools.ToDictionary(t => t.Name, StringComparer.Ordinal);
        _options = new ChatOptions { Tools = [.. tools.Select(t => (AITool)t.Function)], ToolMode = ChatToolMode.Auto };
        Version = definition.Version ?? ComputeVersion(definition, tools);
    }

    /// <summary>The tool that hands sub-tasks to other agents (offered when the definition names <see cref="ChatAgentDefinition.Delegates"/>).</summary>
    public const string DelegateTool = DelegateTasksFunction.ToolName;

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
            if (IsDelegation(call["name"]?.GetValue<string>()))
            {
                // The children (or what is wrong with the call) are decided here, from the run's input, and kept in the
                // step's arguments: the journal holds them, and GetPolicy reads them back.
                foreach (var (key, value) in Delegation.Plan(call["arguments"], context.Input, _definition))
                {
                    args[key] = value?.DeepClone();
                }
            }

            return new AgentDecision.Next(ToolStepPrefix + call["name"]!.GetValue<string>(), args.ToJsonString());
        }

        var messages = new JsonArray();
        for (var i = 0; i < memory.ToolResults.Count; i++)
        {
            // A step the run did itself (delegate_tasks: {"children": [...]} or {"error": ...}) carries no call ID: the call's is used.
            var result = JsonNode.Parse(memory.ToolResults[i])!.AsObject();
            var content = result["output"]?.ToJsonString() ?? Without(result, "callId", "tool").ToJsonString();
            messages.Add(new JsonObject
            {
                ["role"] = "tool",
                ["toolCallId"] = result["callId"]?.GetValue<string>() ?? calls.ElementAtOrDefault(i)?["callId"]?.GetValue<string>(),
                ["toolName"] = result["tool"]?.GetValue<string>() ?? calls.ElementAtOrDefault(i)?["name"]?.GetValue<string>(),
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
        var args = JsonNode.Parse(step.Args);
        var arguments = args?["arguments"]?.ToJsonString() ?? "{}";
        if (IsDelegation(name))
        {
            // Valid tasks: the run starts the children and waits for all of them. Invalid ones: the step runs and
            // returns the error Decide recorded (CallToolAsync), so the model reads it as the tool's result.
            return new StepPolicy
            {
                Tool = name,
                ToolArguments = arguments,
                Action = Delegation.Children(args) is { } children ? new StepAction.StartChildren(children, ChildWait.All) : null,
            };
        }

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

        if (IsDelegation(name))
        {
            result["error"] = root.TryGetProperty("error", out var refused) && refused.ValueKind == JsonValueKind.String
                ? refused.GetString()
                : $"{name} was not planned; nothing was started.";
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

    private bool IsDelegation(string? toolName) => toolName == DelegateTool && _definition.Delegates.Count > 0;

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
    /// and runs in flight upgrade onto the new one (their journals stay readable by it). Tool steps the run does itself
    /// (<c>delegate_tasks</c>) commit results without a call ID, which builds before them would not fold; only
    /// definitions with delegates have that tool, and it is in their version's hash, so no older build hosts them.
    /// </summary>
    private const int JournalFormat = 2;

    private static string ComputeVersion(ChatAgentDefinition definition, IReadOnlyList<AgentTool> tools)
    {
        var text = new StringBuilder()
            .Append("journal:").Append(JournalFormat).Append('\n')
            .Append(definition.Name).Append('\n')
            .Append(definition.Instructions).Append('\n')
            .Append(definition.MaxSteps).Append('\n');
        foreach (var tool in tools)
        {
            text.Append(tool.Name).Append('|').Append(tool.Function.Description).Append('|')
                .Append(tool.Function.JsonSchema.GetRawText()).Append('|')
                .Append(tool.RequiresApproval).Append(tool.SideEffects).Append(tool.Idempotent).Append('\n');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..12];
    }
}
