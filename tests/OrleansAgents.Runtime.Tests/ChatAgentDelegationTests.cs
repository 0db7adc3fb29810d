using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using OrleansAgents.Agents;
using OrleansAgents.Agents.Chat;
using OrleansAgents.Models.Offline;

namespace OrleansAgents.Runtime.Tests;

/// <summary>
/// The chat agent's built-in <c>delegate_tasks</c> tool without a cluster: the tool offered, the child runs a call
/// asks for, arguments it cannot use turned into the tool's error, and the children's outcomes back to the model.
/// </summary>
public sealed class ChatAgentDelegationTests
{
    private static readonly JsonElement Input = JsonDocument.Parse("""{"topic":"teeth"}""").RootElement.Clone();

    private static ChatAgent Agent(IReadOnlyList<string>? delegates = null, Func<JsonElement, DelegatedTask, string>? map = null) => new(new ChatAgentDefinition
    {
        Name = "lead",
        Instructions = "Split the work.",
        Model = new OfflineChatClient([], TimeSpan.Zero, TimeProvider.System),
        Tools = [new AgentTool(AIFunctionFactory.Create((string text) => text, "echo", "Echoes.")) { SideEffects = false }],
        Delegates = delegates ?? ["helper", "checker"],
        MaxDelegatedTasks = 3,
        DelegateInput = map,
    });

    private static CommittedStep Delegating(object arguments) => new(0, "model",
        JsonSerializer.Serialize(new { text = "splitting", toolCalls = new[] { new { callId = "call_d", name = "delegate_tasks", arguments } } }),
        """{"messages":[],"tools":["echo","delegate_tasks"],"steer":0}""");

    private static AgentContext Context(ChatAgent agent, params CommittedStep[] steps) =>
        new("lead-1", Input, steps.Length, steps.Aggregate(agent.NewMemory(Input), (memory, step) => memory.Remember(step)), []);

    /// <summary>The step the agent decides after the model's call, as the run would start it.</summary>
    private static StepPlan DelegationStep(ChatAgent agent, object arguments)
    {
        var next = Assert.IsType<AgentDecision.Next>(agent.Decide(Context(agent, Delegating(arguments))));
        Assert.Equal("tool:delegate_tasks", next.Name);
        return new StepPlan(1, next.Name, next.Args);
    }

    /// <summary>The tool message the model gets after the delegation step committed this result.</summary>
    private static JsonObject ToolMessage(ChatAgent agent, object arguments, string result)
    {
        var plan = DelegationStep(agent, arguments);
        var next = Assert.IsType<AgentDecision.Next>(agent.Decide(Context(agent, Delegating(arguments), new CommittedStep(1, plan.Name, result, plan.Args))));
        Assert.Equal("model", next.Name);
        return JsonNode.Parse(next.Args)!["messages"]![0]!.AsObject();
    }

    private static async Task<string> ExecuteAsync(ChatAgent agent, StepPlan plan) =>
        (await agent.ExecuteStepAsync(new StepContext(Context(agent, Delegating(new { })), plan), CancellationToken.None)).Result;

    [Fact]
    public void An_agent_with_delegates_offers_delegate_tasks_with_a_schema_an_OpenAI_endpoint_takes_and_one_without_does_not()
    {
        var lead = Agent();
        var plain = Agent(delegates: []);

        var first = JsonNode.Parse(Assert.IsType<AgentDecision.Next>(lead.Decide(Context(lead))).Args)!;
        var schema = JsonNode.Parse(new DelegateTasksFunction(["helper", "checker"], 3).JsonSchema.GetRawText())!; // as the agent offers it

        Assert.Equal(["echo", "delegate_tasks"], first["tools"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.Equal(["echo"], JsonNode.Parse(Assert.IsType<AgentDecision.Next>(plain.Decide(Context(plain))).Args)!["tools"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.Equal("object", schema["type"]!.GetValue<string>());
        Assert.False(schema["additionalProperties"]!.GetValue<bool>());
        Assert.Equal(["tasks"], schema["required"]!.AsArray().Select(r => r!.GetValue<string>()));
        var items = schema["properties"]!["tasks"]!;
        Assert.Equal(3, items["maxItems"]!.GetValue<int>());
        Assert.Equal(["helper", "checker"], items["items"]!["properties"]!["agent"]!["enum"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Equal(["agent", "task"], items["items"]!["required"]!.AsArray().Select(r => r!.GetValue<string>()));
        Assert.NotEqual(lead.Version, plain.Version);
        Assert.NotEqual(lead.Version, Agent(delegates: ["helper"]).Version);
    }

    [Fact]
    public void A_call_with_valid_tasks_becomes_one_step_that_starts_one_child_per_task_and_waits_for_all_of_them()
    {
        var agent = Agent();

        var plan = DelegationStep(agent, new { tasks = new[] { new { agent = "helper", task = "Count the molars." }, new { agent = "checker", task = "Check the count." } } });
        var policy = agent.GetPolicy(plan);

        var start = Assert.IsType<StepAction.StartChildren>(policy.Action);
        Assert.Equal(ChildWait.All, start.Wait);
        Assert.Equal([new ChildRunSpec("helper", "\"Count the molars.\""), new ChildRunSpec("checker", "\"Check the count.\"")], start.Children);
        Assert.Equal("delegate_tasks", policy.Tool);
        Assert.False(policy.SideEffects);
        Assert.False(policy.RequiresApproval);
        Assert.Equal(start.Children, Assert.IsType<StepAction.StartChildren>(agent.GetPolicy(plan).Action).Children); // read back from the step's arguments: the same every time
    }

    [Fact]
    public void The_definition_maps_each_task_to_its_childs_input_from_the_runs_input()
    {
        var agent = Agent(map: (input, task) => JsonSerializer.Serialize(new { request = task.Task, topic = input.GetProperty("topic").GetString() }));

        var plan = DelegationStep(agent, new { tasks = new[] { new { agent = "helper", task = "Count the molars." } } });

        var start = Assert.IsType<StepAction.StartChildren>(agent.GetPolicy(plan).Action);
        Assert.Equal("""{"request":"Count the molars.","topic":"teeth"}""", Assert.Single(start.Children).Input);
    }

    [Theory]
    [InlineData("""{"tasks":[{"agent":"stranger","task":"Do it."}]}""", "names the agent 'stranger', which this agent may not delegate to; it may delegate to: helper, checker")]
    [InlineData("""{"tasks":[]}""", "Give from 1 to 3 tasks in one call (this call has 0)")]
    [InlineData("""{"tasks":[{"agent":"helper","task":"a"},{"agent":"helper","task":"b"},{"agent":"helper","task":"c"},{"agent":"helper","task":"d"}]}""", "Give from 1 to 3 tasks in one call (this call has 4)")]
    [InlineData("""{"tasks":[{"agent":"helper","task":"  "}]}""", "Task 1 (helper) must be a non-empty text")]
    [InlineData("""{"jobs":[]}""", """delegate_tasks takes { "tasks": [ { "agent": "...", "task": "..." } ] }""")]
    [InlineData("""{"tasks":[{"agent":"helper","task":"refuse me"}]}""", "Task 1 (helper): no such document")]
    public async Task Arguments_it_cannot_use_start_nothing_and_come_back_to_the_model_as_the_tools_error(string arguments, string error)
    {
        var agent = Agent(map: (_, task) => task.Task == "refuse me" ? throw new ArgumentException("no such document") : JsonSerializer.Serialize(task.Task));
        var parsed = JsonSerializer.Deserialize<JsonElement>(arguments);

        var plan = DelegationStep(agent, parsed);
        var policy = agent.GetPolicy(plan);
        var result = await ExecuteAsync(agent, plan);
        var message = ToolMessage(agent, parsed, result);

        Assert.Null(policy.Action);
        Assert.False(policy.SideEffects);
        Assert.Contains(error, JsonNode.Parse(result)!["error"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("call_d", message["toolCallId"]!.GetValue<string>());
        Assert.Contains("Nothing was started.", message["text"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_childrens_outcomes_a_failed_one_included_reach_the_model_as_the_result_of_its_call()
    {
        var agent = Agent();
        var arguments = new { tasks = new[] { new { agent = "helper", task = "Count." }, new { agent = "checker", task = "Check." } } };
        const string Children = """{"children":[{"runId":"lead-1::1.0","agent":"helper","status":"succeeded","result":{"text":"32"}},{"runId":"lead-1::1.1","agent":"checker","status":"failed","error":"The run reached its limit of 12 steps."}]}""";

        var message = ToolMessage(agent, arguments, Children);
        var conversation = OfflineConversation.Read(Conversation(agent, arguments, Children));

        Assert.Equal("tool", message["role"]!.GetValue<string>());
        Assert.Equal("call_d", message["toolCallId"]!.GetValue<string>());
        Assert.Equal("delegate_tasks", message["toolName"]!.GetValue<string>());
        Assert.Equal(JsonNode.Parse(Children)!.ToJsonString(), message["text"]!.GetValue<string>());
        var outcome = Assert.Single(conversation.Tools); // the model sees the result paired with its call
        Assert.Equal("delegate_tasks", outcome.Name);
        Assert.Contains("limit of 12 steps", outcome.Result, StringComparison.Ordinal);
    }

    [Fact]
    public void A_refusal_by_the_runs_child_limits_reaches_the_model_as_the_tools_error()
    {
        var agent = Agent();
        var arguments = new { tasks = new[] { new { agent = "helper", task = "Count." } } };
        const string Refused = """{"error":"A run may start at most 2 child runs (OrleansAgents:Runs:Quotas:MaxChildrenPerRun); it has started 2 and this step asked for 1 more, so it starts none."}""";

        var message = ToolMessage(agent, arguments, Refused);

        Assert.Equal("call_d", message["toolCallId"]!.GetValue<string>());
        Assert.Equal(Refused, message["text"]!.GetValue<string>());
    }

    /// <summary>The messages the model is sent after the delegation step: the conversation and the next step's tool message.</summary>
    private static List<ChatMessage> Conversation(ChatAgent agent, object arguments, string result)
    {
        var plan = DelegationStep(agent, arguments);
        var memory = Context(agent, Delegating(arguments), new CommittedStep(1, plan.Name, result, plan.Args));
        var next = Assert.IsType<AgentDecision.Next>(agent.Decide(memory));
        var messages = new List<ChatMessage>
        {
            new(ChatRole.User, "Split the work."),
            new(ChatRole.Assistant, [new FunctionCallContent("call_d", "delegate_tasks", new Dictionary<string, object?>())]),
        };
        foreach (var m in JsonNode.Parse(next.Args)!["messages"]!.AsArray())
        {
            messages.Add(new ChatMessage(ChatRole.Tool, [new FunctionResultContent(m!["toolCallId"]!.GetValue<string>(), m["text"]!.GetValue<string>())]));
        }

        return messages;
    }
}
