using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using OrleansAgents.Agents.VoiceAgentBuilder;
using OrleansAgents.Runs;
using OrleansAgents.Testing;

namespace OrleansAgents.Runtime.Tests;

/// <summary>A one-worker cluster whose model is an OpenAI-compatible server the tests run on loopback.</summary>
public sealed class WireClusterFixture(PostgresFixture postgres) : IAsyncLifetime
{
    private AgentsCluster? _cluster;

    public FakeOpenAIServer Model { get; private set; } = null!;

    public AgentsCluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster is not started.");

    public async ValueTask InitializeAsync()
    {
        Model = await FakeOpenAIServer.StartAsync();
        _cluster = await AgentsCluster.StartAsync(postgres.Server, workers: 1, settings: new Dictionary<string, string>
        {
            ["OrleansAgents__Model__Endpoint"] = Model.BaseAddress.ToString(),
            ["OrleansAgents__Model__ApiKey"] = "test-key",
            ["OrleansAgents__Model__Name"] = "test-model",
            ["OrleansAgents__Runs__RetryBaseDelay"] = "00:00:00.200",
            ["OrleansAgents__Agents__VoiceAgentBuilder__ToolLatency"] = "00:00:00",
            // A tool with side effects outlives its timeout after its effect (the timeout test below).
            ["OrleansAgents__Agents__VoiceAgentBuilder__ToolTimeout"] = "00:00:01",
            ["OrleansAgents__Agents__VoiceAgentBuilder__SideEffectHold"] = "00:00:02",
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }

        await Model.DisposeAsync();
    }
}

/// <summary>The agent loop over the wire, through the real Microsoft.Extensions.AI OpenAI client.</summary>
public sealed class ModelWireTests : IClassFixture<WireClusterFixture>
{
    private const string Input = """{"request":"Build a receptionist for the clinic.","documents":["clinic-faq.md"]}""";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly WireClusterFixture _fixture;

    public ModelWireTests(WireClusterFixture fixture)
    {
        _fixture = fixture;
        fixture.Model.Reset();
    }

    private AgentsCluster Cluster => _fixture.Cluster;

    private FakeOpenAIServer Model => _fixture.Model;

    private IAgentRunGrain Run(string id) => Cluster.Client.GetGrain<IAgentRunGrain>(id);

    [Fact]
    public async Task ARunCallsTheModelOverHttp_SendingItsToolsAndThenTheToolResults_AndCommitsTheStreamedAnswer()
    {
        Model.Enqueue(
            FakeOpenAIServer.Stream("Let me see the documents first.", ("call_wire_1", "list_documents", "{}")),
            FakeOpenAIServer.Stream("The clinic has one document; here is my report."));
        var id = $"wire-{Guid.NewGuid():N}";
        await Run(id).StartAsync(new StartRunRequest(VoiceAgentBuilderAgent.AgentName, Input, "user-1"));

        var done = await WaitForEndAsync(id);
        Assert.Equal(RunStatus.Succeeded, done.Status);
        using (var output = JsonDocument.Parse(done.Result!))
        {
            Assert.Equal("The clinic has one document; here is my report.", output.RootElement.GetProperty("text").GetString());
        }

        Assert.Equal("Bearer test-key", Model.LastAuthorization);
        Assert.Equal(2, Model.Requests.Count);
        var first = Model.Requests[0];
        Assert.Equal("test-model", first["model"]!.GetValue<string>());
        Assert.True(first["stream"]!.GetValue<bool>());
        var messages = first["messages"]!.AsArray();
        Assert.Equal("system", messages[0]!["role"]!.GetValue<string>());
        Assert.Contains("You design voice AI agents", messages[0]!["content"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Contains("Build a receptionist for the clinic.", messages[1]!["content"]!.ToJsonString(), StringComparison.Ordinal);
        var tools = first["tools"]!.AsArray().Select(t => t!["function"]!["name"]!.GetValue<string>()).ToList();
        Assert.Equal(["list_documents", "read_document", "get_current_configuration", "write_plan", "validate_configuration", "publish_configuration", "notify_team", "delegate_tasks"], tools);
        // The built-in delegation tool goes over the wire as a plain JSON Schema function: a bounded list of { agent, task }.
        var delegation = first["tools"]!.AsArray().Single(t => t!["function"]!["name"]!.GetValue<string>() == "delegate_tasks")!;
        Assert.Equal("function", delegation["type"]!.GetValue<string>());
        var parameters = delegation["function"]!["parameters"]!;
        Assert.Equal("array", parameters["properties"]!["tasks"]!["type"]!.GetValue<string>());
        Assert.Equal(["document-analyst"], parameters["properties"]!["tasks"]!["items"]!["properties"]!["agent"]!["enum"]!.AsArray().Select(a => a!.GetValue<string>()));

        // The second call carries the assistant's tool call and the tool's real result.
        var second = Model.Requests[1]["messages"]!.AsArray();
        var call = second.Single(m => m!["role"]!.GetValue<string>() == "assistant");
        Assert.Equal("call_wire_1", call!["tool_calls"]![0]!["id"]!.GetValue<string>());
        var result = second.Single(m => m!["role"]!.GetValue<string>() == "tool");
        Assert.Equal("call_wire_1", result!["tool_call_id"]!.GetValue<string>());
        Assert.Contains("clinic-faq.md", result["content"]!.ToJsonString(), StringComparison.Ordinal);

        // The committed model step holds the full message and the usage the server reported.
        var events = await RunJournal.ReadEventsAsync(Cluster, id);
        var model = events.First(e => e.Type == RunEventTypes.StepCompleted);
        using var data = JsonDocument.Parse(model.Data);
        Assert.Equal("Let me see the documents first.", data.RootElement.GetProperty("result").GetProperty("text").GetString());
        Assert.Equal(120, data.RootElement.GetProperty("usage").GetProperty("totalTokens").GetInt64());
        Assert.Equal(240, done.Usage!.TotalTokens);
    }

    [Fact]
    public async Task ASteerMessageSentWhileTheRunWaits_AppearsInTheNextModelRequest_AfterTheToolResult()
    {
        Model.Enqueue(
            FakeOpenAIServer.Stream("Publishing now.", ("call_wire_2", "publish_configuration", """{"configuration":{"name":"x"},"summary":"first try"}""")),
            FakeOpenAIServer.Stream("Understood, I will use a warmer greeting."));
        var id = $"wire-{Guid.NewGuid():N}";
        await Run(id).StartAsync(new StartRunRequest(VoiceAgentBuilderAgent.AgentName, Input, "user-1"));
        await RunJournal.WaitForEventAsync(Cluster, id, e => e.Type == RunEventTypes.InputRequested, Patience);

        await Run(id).SendMessageAsync("Use a warmer greeting, please.");
        await Run(id).ApproveAsync(null);
        Assert.Equal(RunStatus.Succeeded, (await WaitForEndAsync(id)).Status);

        var second = Model.Requests[1]["messages"]!.AsArray().Select(m => m!.AsObject()).ToList();
        var tool = second.FindIndex(m => m["role"]!.GetValue<string>() == "tool");
        var steer = second.FindIndex(m => m["role"]!.GetValue<string>() == "user" && m["content"]!.ToJsonString().Contains("warmer greeting", StringComparison.Ordinal));
        Assert.True(tool >= 0 && steer > tool, string.Join("\n", second.Select(m => m.ToJsonString())));
        // The publish tool refused the invalid configuration: the model was told, nothing was published.
        Assert.Contains("does not validate", second[tool]["content"]!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TransientModelFailures_AreRetriedWithBackoff_AndEveryFailedAttemptIsRecorded()
    {
        Model.Enqueue(FakeOpenAIServer.Status(503), FakeOpenAIServer.Status(429), FakeOpenAIServer.Stream("Fine now."));
        var id = $"wire-{Guid.NewGuid():N}";
        await Run(id).StartAsync(new StartRunRequest(VoiceAgentBuilderAgent.AgentName, Input, "user-1"));

        Assert.Equal(RunStatus.Succeeded, (await WaitForEndAsync(id)).Status);
        var retries = (await RunJournal.ReadEventsAsync(Cluster, id)).Where(e => e.Type == RunEventTypes.StepRetrying)
            .Select(e => JsonNode.Parse(e.Data)!).ToList();
        Assert.Equal([1, 2], retries.Select(r => r["attempt"]!.GetValue<int>()));
        Assert.All(retries, r => Assert.Equal(0, r["step"]!.GetValue<int>()));
        Assert.Contains("503", retries[0]["error"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(3, Model.Requests.Count);
    }

    [Fact]
    public async Task CancellingARunDuringASlowModelCall_ClosesTheHttpRequestWithinOneSecond()
    {
        Model.Enqueue(Model.Hang());
        var id = $"wire-{Guid.NewGuid():N}";
        await Run(id).StartAsync(new StartRunRequest(VoiceAgentBuilderAgent.AgentName, Input, "user-1"));
        await Model.RequestArrived.WaitAsync(Patience);
        await Task.Delay(300); // the request is in flight at the server

        var cancelling = DateTimeOffset.UtcNow;
        var watch = Stopwatch.StartNew();
        var cancelled = await Run(id).CancelAsync("stop");
        var aborted = await Model.Aborted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(RunStatus.Cancelled, cancelled.Status);
        Assert.True(aborted - cancelling < TimeSpan.FromSeconds(1), $"the model request closed {(aborted - cancelling).TotalMilliseconds:F0} ms after cancel");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task ANonIdempotentToolThatTimesOutAfterItsEffect_IsNotRetried_AndTheRunAsksWhatToDo()
    {
        Model.Enqueue(
            FakeOpenAIServer.Stream("Telling the team.", ("call_wire_3", "notify_team", """{"channel":"#voice-agents","message":"hello"}""")),
            FakeOpenAIServer.Stream("I did not send it again."));
        var id = $"wire-{Guid.NewGuid():N}";
        await Run(id).StartAsync(new StartRunRequest(VoiceAgentBuilderAgent.AgentName, Input, "user-1"));

        var question = await RunJournal.WaitForEventAsync(Cluster, id, e => e.Type == RunEventTypes.InputRequested, Patience);
        Assert.Contains("outcome-unknown", question.Data, StringComparison.Ordinal);
        Assert.Equal(1, await RunJournal.CountAsync(Cluster, "SELECT count(*) FROM oa_notifications WHERE run_id = $1", id));
        Assert.DoesNotContain(await RunJournal.ReadEventsAsync(Cluster, id), e => e.Type == RunEventTypes.StepRetrying);

        await Run(id).RejectAsync("it went out already");
        Assert.Equal(RunStatus.Succeeded, (await WaitForEndAsync(id)).Status);
        Assert.Equal(1, await RunJournal.CountAsync(Cluster, "SELECT count(*) FROM oa_notifications WHERE run_id = $1", id));
    }

    private async Task<RunSnapshot> WaitForEndAsync(string id)
    {
        await RunJournal.WaitForTerminalInDatabaseAsync(Cluster, [id], Patience);
        return await RunJournal.WaitForTerminalAsync(Cluster, id, TimeSpan.FromSeconds(10));
    }
}
