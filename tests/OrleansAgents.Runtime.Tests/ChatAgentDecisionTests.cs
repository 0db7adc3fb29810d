using System.Text.Json;
using Microsoft.Extensions.AI;
using OrleansAgents.Agents;
using OrleansAgents.Agents.Chat;
using OrleansAgents.Models.Offline;

namespace OrleansAgents.Runtime.Tests;

/// <summary>The chat agent's decisions are a function of committed steps alone: checked without a cluster.</summary>
public sealed class ChatAgentDecisionTests
{
    private static readonly JsonElement Input = JsonDocument.Parse("\"hello\"").RootElement.Clone();

    private static ChatAgent Agent(int maxSteps = 40) => new(new ChatAgentDefinition
    {
        Name = "echo",
        Instructions = "Answer briefly.",
        Model = new OfflineChatClient([], TimeSpan.Zero, TimeProvider.System),
        Tools = [new AgentTool(AIFunctionFactory.Create((string text) => text, "echo", "Echoes."))],
        MaxSteps = maxSteps,
    });

    private static CommittedStep ModelStep(int index, string text, params string[] toolCalls) => new(index, "model",
        JsonSerializer.Serialize(new
        {
            text,
            toolCalls = toolCalls.Select((name, i) => new { callId = $"c{index}_{i}", name, arguments = new { text = "x" } }),
        }),
        """{"messages":[],"tools":["echo"],"steer":0}""");

    private static CommittedStep ToolStep(int index, string callId) =>
        new(index, "tool:echo", $$"""{"callId":"{{callId}}","tool":"echo","output":"x"}""", """{"callId":"c","tool":"echo","arguments":{"text":"x"}}""");

    /// <summary>The run as the agent sees it after these committed steps: its memory folded step by step, as the run does.</summary>
    private static AgentContext Context(ChatAgent agent, List<CommittedStep> steps, List<string> messages) =>
        new("r", Input, steps.Count, steps.Aggregate(agent.NewMemory(Input), (memory, step) => memory.Remember(step)), messages);

    [Fact]
    public void ARunWithNoSteps_StartsWithAModelCallCarryingTheInstructionsAndTheRequest()
    {
        var next = Assert.IsType<AgentDecision.Next>(Agent().Decide(Context(Agent(), [], [])));

        Assert.Equal("model", next.Name);
        Assert.Contains("Answer briefly.", next.Args, StringComparison.Ordinal);
        Assert.Contains("hello", next.Args, StringComparison.Ordinal);
    }

    [Fact]
    public void EachToolCallOfAModelResponse_BecomesItsOwnStep_ThenTheResultsGoBackToTheModel()
    {
        var agent = Agent();
        var model = ModelStep(0, "calling", "echo", "echo");

        var first = Assert.IsType<AgentDecision.Next>(agent.Decide(Context(agent, [model], [])));
        var second = Assert.IsType<AgentDecision.Next>(agent.Decide(Context(agent, [model, ToolStep(1, "c0_0")], [])));
        var back = Assert.IsType<AgentDecision.Next>(agent.Decide(Context(agent, [model, ToolStep(1, "c0_0"), ToolStep(2, "c0_1")], [])));

        Assert.Equal("tool:echo", first.Name);
        Assert.Contains("c0_0", first.Args, StringComparison.Ordinal);
        Assert.Contains("c0_1", second.Args, StringComparison.Ordinal);
        Assert.Equal("model", back.Name);
        Assert.Contains("c0_0", back.Args, StringComparison.Ordinal);
        Assert.Contains("c0_1", back.Args, StringComparison.Ordinal);
    }

    [Fact]
    public void AnAnswerWithoutToolCalls_FinishesTheRun_UnlessASteerMessageArrivedMeanwhile()
    {
        var agent = Agent();
        var answer = ModelStep(0, "done");

        var finish = Assert.IsType<AgentDecision.Finish>(agent.Decide(Context(agent, [answer], [])));
        var steered = Assert.IsType<AgentDecision.Next>(agent.Decide(Context(agent, [answer], ["one more thing"])));

        Assert.Contains("done", finish.Output, StringComparison.Ordinal);
        Assert.Equal("model", steered.Name);
        Assert.Contains("one more thing", steered.Args, StringComparison.Ordinal);
    }

    [Fact]
    public void ARunAtItsStepLimit_FailsWithAClearError()
    {
        var agent = Agent(maxSteps: 3);
        var steps = new List<CommittedStep> { ModelStep(0, "a", "echo"), ToolStep(1, "c0_0"), ModelStep(2, "b", "echo") };

        var fail = Assert.IsType<AgentDecision.Fail>(agent.Decide(Context(agent, steps, [])));

        Assert.Contains("limit of 3 steps", fail.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void AFinalAnswerInTheLastAllowedStep_StillFinishesTheRun()
    {
        var agent = Agent(maxSteps: 3);
        var steps = new List<CommittedStep> { ModelStep(0, "a", "echo"), ToolStep(1, "c0_0"), ModelStep(2, "the answer") };

        var finish = Assert.IsType<AgentDecision.Finish>(agent.Decide(Context(agent, steps, [])));

        Assert.Contains("the answer", finish.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void TheMemoryReadBackFromASnapshot_LeadsToTheSameDecisions_AsTheMemoryFoldedStepByStep()
    {
        var agent = Agent();
        List<CommittedStep> steps = [ModelStep(0, "calling", "echo", "echo"), ToolStep(1, "c0_0")];
        var folded = Context(agent, steps, []);
        var restored = folded with { Memory = agent.ReadMemory(Input, folded.Memory.ToJson())! };
        var next = ToolStep(2, "c0_1");

        Assert.Equal(folded.Memory.ToJson(), restored.Memory.ToJson());
        Assert.Equal(agent.Decide(folded), agent.Decide(restored));
        Assert.Equal(
            agent.Decide(folded with { StepCount = 3, Memory = folded.Memory.Remember(next) }),
            agent.Decide(restored with { StepCount = 3, Memory = restored.Memory.Remember(next) }));
        Assert.Null(agent.ReadMemory(Input, """{"format":99}"""));
    }

    [Fact]
    public void ChangingTheInstructions_ChangesTheDefinitionsVersion()
    {
        var a = Agent();
        var b = new ChatAgent(new ChatAgentDefinition { Name = "echo", Instructions = "Answer at length.", Model = new OfflineChatClient([], TimeSpan.Zero, TimeProvider.System) });

        Assert.Equal(Agent().Version, a.Version);
        Assert.NotEqual(a.Version, b.Version);
    }

    [Fact]
    public void AToolThatDeclaresNothing_IsTreatedAsSideEffectingAndNotIdempotent_WhileASafeToolOptsIn()
    {
        var step = new StepPlan(1, "tool:echo", """{"callId":"c","tool":"echo","arguments":{"text":"x"}}""");
        var safe = new ChatAgent(new ChatAgentDefinition
        {
            Name = "echo",
            Instructions = "Answer briefly.",
            Model = new OfflineChatClient([], TimeSpan.Zero, TimeProvider.System),
            Tools = [new AgentTool(AIFunctionFactory.Create((string text) => text, "echo", "Echoes.")) { SideEffects = false }],
        });

        var undeclared = Agent().GetPolicy(step);
        var optedIn = safe.GetPolicy(step);

        Assert.True(undeclared.SideEffects);
        Assert.False(undeclared.Idempotent);
        Assert.False(optedIn.SideEffects);
    }
}
