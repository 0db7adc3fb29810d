using System.Text.Json;
using OrleansAgents.Agents.VoiceAgentBuilder;
using OrleansAgents.Runs;
using OrleansAgents.Testing;

namespace OrleansAgents.Runtime.Tests;

/// <summary>
/// Three workers (a run can lose two hosts in one test) running the voice-agent-builder on the offline model,
/// with tools that have side effects held open after their effect.
/// </summary>
public sealed class OfflineAgentClusterFixture(PostgresFixture postgres) : IAsyncLifetime
{
    /// <summary>How long publish and notify hold on after their side effect: the window a crash can hit.</summary>
    public static readonly TimeSpan SideEffectHold = TimeSpan.FromSeconds(3);

    private AgentsCluster? _cluster;

    public AgentsCluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster is not started.");

    public async ValueTask InitializeAsync() => _cluster = await AgentsCluster.StartAsync(postgres.Server, workers: 3, settings: new Dictionary<string, string>
    {
        ["OrleansAgents__Model__OfflineLatency"] = "00:00:00.040",
        ["OrleansAgents__Agents__VoiceAgentBuilder__ToolLatency"] = "00:00:00.010",
        ["OrleansAgents__Agents__VoiceAgentBuilder__SideEffectHold"] = SideEffectHold.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
        ["OrleansAgents__Runs__SnapshotEverySteps"] = "5", // every resume here starts from the chat agent's memory in a snapshot
    });

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}

/// <summary>The agent runtime end to end: model and tool steps, approval, steer, side effects across crashes.</summary>
public sealed class AgentRuntimeTests(OfflineAgentClusterFixture fixture, ITestOutputHelper output) : IClassFixture<OfflineAgentClusterFixture>
{
    private const string Input = """
        {"request":"Build a phone receptionist for our dental clinic: it books appointments and hands over to the front desk.",
         "documents":["clinic-faq.md","booking-policy.md","escalation-contacts.md"]}
        """;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private AgentsCluster Cluster => fixture.Cluster;

    private IAgentRunGrain Run(string id) => Cluster.Client.GetGrain<IAgentRunGrain>(id);

    [Fact]
    public async Task TheVoiceAgentBuilderOnTheOfflineModel_ValidatesFixesWaitsForApprovalAndPublishesAConfigurationThatValidates()
    {
        var id = $"vab-{Guid.NewGuid():N}";
        await Run(id).StartAsync(new StartRunRequest(VoiceAgentBuilderAgent.AgentName, Input, "user-1"));

        await RunJournal.WaitForEventAsync(Cluster, id, e => e.Type == RunEventTypes.InputRequested, Patience);
        // The grain applies a commit once PostgreSQL has acknowledged it, so it may answer a moment after the row is there.
        var waiting = await Run(id).GetStatusAsync();
        for (var i = 0; i < 50 && waiting.Status != RunStatus.WaitingForInput; i++)
        {
            await Task.Delay(100);
            waiting = await Run(id).GetStatusAsync();
        }

        Assert.Equal(RunStatus.WaitingForInput, waiting.Status);
        Assert.Equal("publish_configuration", waiting.WaitingFor!.Tool);
        Assert.Equal(InputRequestKinds.Approval, waiting.WaitingFor.Kind);
        Assert.Equal(0, await PublishedAsync(id)); // nothing is published before a person approves

        await Run(id).SendMessageAsync("Mention the free parking when callers ask for directions.");
        await Run(id).ApproveAsync("ship it");
        await RunJournal.WaitForTerminalInDatabaseAsync(Cluster, [id], Patience);
        var done = await RunJournal.WaitForTerminalAsync(Cluster, id, TimeSpan.FromSeconds(10));
        Assert.Equal(RunStatus.Succeeded, done.Status);

        var events = await RunJournal.ReadEventsAsync(Cluster, id);
        foreach (var e in events)
        {
            output.WriteLine($"{e.Seq,3} {e.Type,-16} {e.Data[..Math.Min(140, e.Data.Length)]}");
        }

        var completed = events.Where(e => e.Type == RunEventTypes.StepCompleted).ToList();
        RunJournal.AssertWellFormed(events, completed.Count, RunEventTypes.RunSucceeded);
        var names = completed.Select(e => Data(e).GetProperty("name").GetString()).ToList();
        Assert.Equal("model", names[0]);
        Assert.Equal("model", names[^1]);
        foreach (var tool in new[] { "list_documents", "delegate_tasks", "get_current_configuration", "write_plan", "validate_configuration", "publish_configuration", "notify_team" })
        {
            Assert.Contains($"tool:{tool}", names);
        }

        // The documents were read by one document-analyst child run each (DelegationTests covers them closely), not by the run.
        Assert.DoesNotContain("tool:read_document", names);
        Assert.Equal(3, events.Count(e => e.Type == RunEventTypes.ChildStarted));

        // The live configuration fails the schema; the model fixes it from the reported errors.
        var verdicts = completed.Where(e => Data(e).GetProperty("name").GetString() == "tool:validate_configuration")
            .Select(e => Data(e).GetProperty("result").GetProperty("output").GetProperty("valid").GetBoolean()).ToList();
        Assert.Equal([false, true], verdicts);

        using var result = JsonDocument.Parse(done.Result!);
        var configuration = result.RootElement.GetProperty("configuration");
        Assert.True(VoiceAgentTools.Validate(configuration)["valid"]!.GetValue<bool>(), configuration.GetRawText());
        Assert.Equal(1, await PublishedAsync(id));
        Assert.Equal(1, await NotifiedAsync(id));

        // Token usage: recorded per model step and summed for the run.
        var perStep = completed.Sum(e => Data(e).TryGetProperty("usage", out var u) ? u.GetProperty("totalTokens").GetInt64() : 0);
        Assert.True(perStep > 0);
        Assert.Equal(perStep, done.Usage!.TotalTokens);

        // The steer message reaches the next model call, after the approved tool's result.
        var message = events.Single(e => e.Type == RunEventTypes.InputMessage);
        var nextModel = events.First(e => e.Seq > message.Seq && e.Type == RunEventTypes.StepStarted && Data(e).GetProperty("name").GetString() == "model");
        Assert.Contains("Mention the free parking", nextModel.Data, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARunWaitingForApproval_SurvivesAWholeClusterRestart_AndGoesOnWhenApproved()
    {
        var id = $"vab-{Guid.NewGuid():N}";
        await Run(id).StartAsync(new StartRunRequest(VoiceAgentBuilderAgent.AgentName, Input, "user-1"));
        await RunJournal.WaitForEventAsync(Cluster, id, e => e.Type == RunEventTypes.InputRequested, Patience);

        foreach (var silo in Cluster.Silos)
        {
            silo.Kill();
        }

        foreach (var silo in Cluster.Silos)
        {
            silo.Start();
        }

        await Cluster.WaitForActiveSilosAsync(Cluster.Silos.Count, TimeSpan.FromSeconds(60));
        var snapshot = await Eventually(() => Run(id).ApproveAsync("approved after the restart"));
        Assert.NotEqual(RunStatus.WaitingForInput, snapshot.Status);

        await RunJournal.WaitForTerminalInDatabaseAsync(Cluster, [id], Patience);
        var done = await RunJournal.WaitForTerminalAsync(Cluster, id, TimeSpan.FromSeconds(10));
        Assert.Equal(RunStatus.Succeeded, done.Status);
        Assert.Equal(1, await PublishedAsync(id));
    }

    [Fact]
    public async Task ACrashBetweenAToolsIntentAndItsOutcome_RetriesAnIdempotentToolWithTheSameKey_AndAsksBeforeRepeatingOneThatIsNot()
    {
        var id = $"vab-{Guid.NewGuid():N}";
        await Run(id).StartAsync(new StartRunRequest(VoiceAgentBuilderAgent.AgentName, Input, "user-1"));
        await RunJournal.WaitForEventAsync(Cluster, id, e => e.Type == RunEventTypes.InputRequested, Patience);
        await Run(id).ApproveAsync(null);

        // publish_configuration (idempotent by key): its row is written, then the silo dies before the outcome.
        await RunJournal.WaitForEventAsync(Cluster, id, e => RunJournal.Is(e, RunEventTypes.ToolIntent, "publish_configuration"), Patience);
        await WaitUntilAsync(async () => await PublishedAsync(id) == 1);
        var first = await KillHostAsync(id);
        var published = await RunJournal.WaitForEventAsync(Cluster, id,
            e => e.Type == RunEventTypes.StepCompleted && RunJournal.Is(e, e.Type, "tool:publish_configuration"), Patience);
        Assert.True(Data(published).GetProperty("result").GetProperty("output").GetProperty("alreadyPublished").GetBoolean());
        Assert.Equal(1, await PublishedAsync(id));

        // notify_team (not idempotent): its row is written, then the silo dies before the outcome.
        await RunJournal.WaitForEventAsync(Cluster, id, e => RunJournal.Is(e, RunEventTypes.ToolIntent, "notify_team"), Patience);
        await WaitUntilAsync(async () => await NotifiedAsync(id) == 1);
        var second = await KillHostAsync(id);
        var question = await RunJournal.WaitForEventAsync(Cluster, id,
            e => e.Type == RunEventTypes.InputRequested && Data(e).GetProperty("kind").GetString() == InputRequestKinds.OutcomeUnknown, Patience);
        Assert.Equal("notify_team", Data(question).GetProperty("tool").GetString());
        Assert.Equal(1, await NotifiedAsync(id));
        Assert.Equal(RunStatus.WaitingForInput, (await Eventually(() => Run(id).GetStatusAsync())).Status);

        await Eventually(() => Run(id).RejectAsync("it went out; do not send it twice"));
        await RunJournal.WaitForTerminalInDatabaseAsync(Cluster, [id], Patience);
        var done = await RunJournal.WaitForTerminalAsync(Cluster, id, TimeSpan.FromSeconds(10));
        Assert.Equal(RunStatus.Succeeded, done.Status);
        Assert.Equal(1, await NotifiedAsync(id));
        Assert.Equal(1, await PublishedAsync(id));

        first.Start();
        second.Start();
        await Cluster.WaitForActiveSilosAsync(Cluster.Silos.Count, TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task A_voice_agent_builder_run_of_three_revision_rounds_resumes_from_its_snapshot_after_its_worker_dies_and_repeats_nothing()
    {
        var id = $"vab-rounds-{Guid.NewGuid():N}";
        await Run(id).StartAsync(new StartRunRequest(VoiceAgentBuilderAgent.AgentName, Input.TrimEnd().TrimEnd('}') + ""","revisionRounds":3}""", "user-1"));
        SiloProcess? victim = null;
        for (var round = 1; round <= 3; round++)
        {
            var asked = round;
            await WaitUntilAsync(async () => await RunJournal.CountAsync(Cluster,
                "SELECT count(*) FROM oa_run_events WHERE run_id = $1 AND type = 'input.requested'", id) == asked);
            if (round == 2)
            {
                Assert.True(await RunJournal.CountAsync(Cluster, "SELECT count(*) FROM oa_run_snapshots WHERE run_id = $1", id) > 0);
                victim = await KillHostAsync(id); // waiting for a person: the next activation reads the snapshot
            }

            await Eventually(() => Run(id).ApproveAsync($"round {asked}"));
        }

        await RunJournal.WaitForTerminalInDatabaseAsync(Cluster, [id], Patience);
        var done = await RunJournal.WaitForTerminalAsync(Cluster, id, TimeSpan.FromSeconds(10));
        victim!.Start();
        await Cluster.WaitForActiveSilosAsync(Cluster.Silos.Count, TimeSpan.FromSeconds(60));

        Assert.Equal(RunStatus.Succeeded, done.Status);
        var events = await RunJournal.ReadEventsAsync(Cluster, id);
        var completed = events.Where(e => e.Type == RunEventTypes.StepCompleted).ToList();
        RunJournal.AssertWellFormed(events, completed.Count, RunEventTypes.RunSucceeded);
        var names = completed.Select(e => Data(e).GetProperty("name").GetString()).ToList();
        Assert.Single(names, n => n == "tool:list_documents"); // the resumed model saw the whole conversation: nothing started over
        Assert.Single(names, n => n == "tool:delegate_tasks");
        Assert.Equal(3, await RunJournal.CountAsync(Cluster, "SELECT count(*) FROM oa_runs WHERE run_id LIKE $1", id + "::%")); // one child per document, each started once
        Assert.Equal(3, names.Count(n => n == "tool:publish_configuration"));
        Assert.Equal(3, await PublishedAsync(id));
        Assert.Equal(3, await NotifiedAsync(id));
        using var result = JsonDocument.Parse(done.Result!);
        Assert.Contains("Revision 3:", result.RootElement.GetProperty("configuration").GetProperty("prompt").GetProperty("instructions").GetRawText(), StringComparison.Ordinal);
        Assert.Equal(0, await RunJournal.CountAsync(Cluster, "SELECT count(*) FROM oa_run_snapshots WHERE run_id = $1", id));
    }

    [Fact]
    public async Task ARunWaitingForApproval_CanBeCancelled_AndItsToolNeverRuns()
    {
        var id = $"vab-{Guid.NewGuid():N}";
        await Run(id).StartAsync(new StartRunRequest(VoiceAgentBuilderAgent.AgentName, Input, "user-1"));
        await RunJournal.WaitForEventAsync(Cluster, id, e => e.Type == RunEventTypes.InputRequested, Patience);

        var cancelled = await Run(id).CancelAsync("changed my mind");
        Assert.Equal(RunStatus.Cancelled, cancelled.Status);
        await Assert.ThrowsAsync<RunStateException>(() => Run(id).ApproveAsync(null));
        Assert.Equal(0, await PublishedAsync(id));
    }

    private async Task<SiloProcess> KillHostAsync(string runId)
    {
        await using var command = Cluster.DataSource.CreateCommand("SELECT silo FROM oa_runs WHERE run_id = $1");
        command.Parameters.AddWithValue(runId);
        var address = (string?)await command.ExecuteScalarAsync();
        var victim = Cluster.Silos.Single(s => address!.Contains($":{s.SiloPort}@", StringComparison.Ordinal));
        victim.Kill();
        output.WriteLine($"killed {victim.Name} hosting {runId}");
        return victim;
    }

    private Task<long> PublishedAsync(string runId) =>
        RunJournal.CountAsync(Cluster, "SELECT count(*) FROM oa_published_configurations WHERE run_id = $1", runId);

    private Task<long> NotifiedAsync(string runId) =>
        RunJournal.CountAsync(Cluster, "SELECT count(*) FROM oa_notifications WHERE run_id = $1", runId);

    private static JsonElement Data(RunEvent e)
    {
        using var doc = JsonDocument.Parse(e.Data);
        return doc.RootElement.Clone();
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        using var cts = new CancellationTokenSource(Patience);
        while (!await condition())
        {
            await Task.Delay(50, cts.Token);
        }
    }

    /// <summary>Calls until the cluster answers (silos may still be settling after a kill).</summary>
    private static async Task<T> Eventually<T>(Func<Task<T>> call)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            try
            {
                return await call();
            }
            catch (Exception ex) when (ex is not RunStateException && !cts.IsCancellationRequested)
            {
                await Task.Delay(250);
            }
        }
    }
}
