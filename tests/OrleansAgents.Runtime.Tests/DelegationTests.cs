using System.Text.Json;
using OrleansAgents.Agents.VoiceAgentBuilder;
using OrleansAgents.Runs;
using OrleansAgents.Testing;

namespace OrleansAgents.Runtime.Tests;

/// <summary>
/// voice-agent-builder delegating on real silo processes: one document-analyst child run per document, started by the
/// run itself in one step; a child that fails and a delegation the run's limits refuse are told to the builder's model,
/// which reads those documents itself.
/// </summary>
public sealed class DelegationTests(DelegationClusterFixture fixture, ITestOutputHelper output) : IClassFixture<DelegationClusterFixture>
{
    private const string Request = "Build a phone receptionist for our dental clinic: it books appointments and hands over to the front desk.";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private AgentsCluster Cluster => fixture.Cluster;

    private IAgentRunGrain Run(string id) => Cluster.Client.GetGrain<IAgentRunGrain>(id);

    [Fact]
    public async Task The_voice_agent_builder_hands_each_document_to_its_own_document_analyst_child_run_and_builds_the_configuration_from_their_facts()
    {
        var (id, events, done) = await BuildAsync("""["clinic-faq.md","booking-policy.md","escalation-contacts.md"]""");

        Assert.Equal(RunStatus.Succeeded, done.Status);
        var names = StepNames(events);
        Assert.Equal(["model", "tool:list_documents", "model", "tool:delegate_tasks", "model", "tool:get_current_configuration"], names.Take(6));
        Assert.DoesNotContain("tool:read_document", names); // every document was analysed by its child

        // One child per document, all started by the delegation step (3), in one commit before any of them ran.
        var started = events.Where(e => e.Type == RunEventTypes.ChildStarted).Select(Data).ToList();
        Assert.Equal([$"{id}::3.0", $"{id}::3.1", $"{id}::3.2"], started.Select(c => c.GetProperty("runId").GetString()));
        Assert.All(started, c => Assert.Equal("document-analyst", c.GetProperty("agent").GetString()));
        Assert.Single(started.Select(c => c.GetProperty("step").GetInt32()).Distinct());
        Assert.Equal(3, events.Count(e => e.Type == RunEventTypes.ChildFinished));

        // Each child: a document-analyst run of its own that read exactly its document and succeeded.
        string[] documents = ["clinic-faq.md", "booking-policy.md", "escalation-contacts.md"];
        var delegation = Data(events.Single(e => e.Type == RunEventTypes.StepCompleted && RunJournal.Is(e, e.Type, "tool:delegate_tasks"))).GetProperty("result");
        var children = delegation.GetProperty("children").EnumerateArray().ToList();
        for (var i = 0; i < documents.Length; i++)
        {
            var child = await Run($"{id}::3.{i}").GetStatusAsync();
            Assert.Equal(RunStatus.Succeeded, child.Status);
            Assert.Equal("document-analyst", child.Agent);
            var childEvents = await RunJournal.ReadEventsAsync(Cluster, child.RunId);
            RunJournal.AssertWellFormed(childEvents, 3, RunEventTypes.RunSucceeded);
            var read = childEvents.Where(e => e.Type == RunEventTypes.StepStarted && RunJournal.Is(e, e.Type, "tool:read_document")).Select(Data).ToList();
            Assert.Equal(documents[i], Assert.Single(read).GetProperty("args").GetProperty("arguments").GetProperty("name").GetString());
            Assert.Equal("succeeded", children[i].GetProperty("status").GetString());
            Assert.Contains($"Facts from {documents[i]}, quoted:", children[i].GetProperty("result").GetProperty("text").GetString(), StringComparison.Ordinal);
        }

        // The configuration holds what the children quoted: hours from the FAQ, booking fields from the policy, the
        // front desk from the escalation contacts, and one knowledge entry per document.
        using var result = JsonDocument.Parse(done.Result!);
        var configuration = result.RootElement.GetProperty("configuration");
        Assert.True(VoiceAgentTools.Validate(configuration)["valid"]!.GetValue<bool>(), configuration.GetRawText());
        Assert.Equal("Brightsmile Dental receptionist", configuration.GetProperty("name").GetString());
        Assert.Contains("08:00", configuration.GetProperty("businessHours").GetRawText(), StringComparison.Ordinal);
        Assert.Contains("date of birth", configuration.GetProperty("intents").GetRawText(), StringComparison.Ordinal);
        Assert.Equal("+44 23 9200 0100", configuration.GetProperty("escalation").GetProperty("phone").GetString());
        Assert.Equal(documents, configuration.GetProperty("knowledge").EnumerateArray().Select(k => k.GetProperty("source").GetString()));
    }

    [Fact]
    public async Task A_child_that_fails_is_reported_to_the_builders_model_which_reads_that_document_itself_and_still_publishes()
    {
        // document-analyst refuses an empty document, so that child cannot start: it fails, with the reason.
        var (id, events, done) = await BuildAsync("""["clinic-faq.md","escalation-contacts.md",{"name":"notes.md","content":"   "}]""");

        Assert.Equal(RunStatus.Succeeded, done.Status);
        var delegation = Data(events.Single(e => e.Type == RunEventTypes.StepCompleted && RunJournal.Is(e, e.Type, "tool:delegate_tasks"))).GetProperty("result");
        var children = delegation.GetProperty("children").EnumerateArray().ToList();
        Assert.Equal(["succeeded", "succeeded", "failed"], children.Select(c => c.GetProperty("status").GetString()));
        Assert.Contains("Document 'notes.md' is empty", children[2].GetProperty("error").GetString(), StringComparison.Ordinal);

        // The model read the failure as the tool's result and decided: it read that one document itself, and only that one.
        var reads = events.Where(e => e.Type == RunEventTypes.StepStarted && RunJournal.Is(e, e.Type, "tool:read_document")).Select(Data).ToList();
        Assert.Equal("notes.md", Assert.Single(reads).GetProperty("args").GetProperty("arguments").GetProperty("name").GetString());
        var afterDelegation = events.First(e => e.Type == RunEventTypes.StepCompleted && RunJournal.StepOf(e) == 4);
        Assert.Contains("notes.md (failed:", Data(afterDelegation).GetProperty("result").GetProperty("text").GetString(), StringComparison.Ordinal);
        using var result = JsonDocument.Parse(done.Result!);
        Assert.Equal("+44 23 9200 0100", result.RootElement.GetProperty("configuration").GetProperty("escalation").GetProperty("phone").GetString());
        Assert.Equal(RunStatus.Succeeded, (await Run($"{id}::3.1").GetStatusAsync()).Status);
        await Assert.ThrowsAsync<RunNotFoundException>(() => Run($"{id}::3.2").GetStatusAsync()); // refused at its start: no run, its parent recorded why
    }

    [Fact]
    public async Task A_delegation_past_the_runs_child_limit_starts_no_child_and_the_builders_model_reads_every_document_itself()
    {
        var (id, events, done) = await BuildAsync("""["clinic-faq.md","booking-policy.md","escalation-contacts.md",{"name":"parking.md","content":"- Free parking behind the clinic."}]""");

        Assert.Equal(RunStatus.Succeeded, done.Status);
        var delegation = Data(events.Single(e => e.Type == RunEventTypes.StepCompleted && RunJournal.Is(e, e.Type, "tool:delegate_tasks"))).GetProperty("result");
        Assert.Contains($"at most {DelegationClusterFixture.MaxChildrenPerRun} child runs (OrleansAgents:Runs:Quotas:MaxChildrenPerRun)", delegation.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(events, e => e.Type == RunEventTypes.ChildStarted);
        Assert.Equal(0, await RunJournal.CountAsync(Cluster, "SELECT count(*) FROM oa_runs WHERE run_id LIKE $1", id + "::%"));
        Assert.Equal(4, StepNames(events).Count(n => n == "tool:read_document"));
        using var result = JsonDocument.Parse(done.Result!);
        Assert.Equal(4, result.RootElement.GetProperty("configuration").GetProperty("knowledge").GetArrayLength());
    }

    /// <summary>Starts a voice-agent-builder run on these documents, approves its publication, and returns its journal and end.</summary>
    private async Task<(string Id, List<RunEvent> Events, RunSnapshot Done)> BuildAsync(string documents)
    {
        var id = $"vab-delegates-{Guid.NewGuid():N}";
        await Run(id).StartAsync(new StartRunRequest(VoiceAgentBuilderAgent.AgentName, $$"""{"request":{{JsonSerializer.Serialize(Request)}},"documents":{{documents}}}""", "user-1"));
        await RunJournal.WaitForEventAsync(Cluster, id, e => e.Type == RunEventTypes.InputRequested, Patience);
        await Eventually(() => Run(id).ApproveAsync("ship it"));
        await RunJournal.WaitForTerminalInDatabaseAsync(Cluster, [id], Patience);
        var done = await RunJournal.WaitForTerminalAsync(Cluster, id, TimeSpan.FromSeconds(10));
        var events = await RunJournal.ReadEventsAsync(Cluster, id);
        foreach (var e in events)
        {
            output.WriteLine($"{e.Seq,3} {e.Type,-16} {e.Data[..Math.Min(160, e.Data.Length)]}");
        }

        RunJournal.AssertWellFormed(events, events.Count(e => e.Type == RunEventTypes.StepCompleted), RunEventTypes.RunSucceeded);
        return (id, events, done);
    }

    private static List<string> StepNames(List<RunEvent> events) =>
        [.. events.Where(e => e.Type == RunEventTypes.StepCompleted).Select(e => Data(e).GetProperty("name").GetString()!)];

    private static JsonElement Data(RunEvent e)
    {
        using var doc = JsonDocument.Parse(e.Data);
        return doc.RootElement.Clone();
    }

    /// <summary>Calls until the run answers (it may be between commits).</summary>
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
