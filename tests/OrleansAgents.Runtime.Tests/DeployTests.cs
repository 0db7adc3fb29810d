using System.Text.Json;
using OrleansAgents.Runs;
using OrleansAgents.Testing;

namespace OrleansAgents.Runtime.Tests;

/// <summary>
/// Runs across a deploy that changes an agent's definition: voice-agent-builder runs wait for approval on the
/// only worker (so they are in flight however slow the machine), a second worker comes up with a changed
/// definition (MaxSteps 41: a new version), then the first worker leaves. Each test gets a fresh cluster.
/// </summary>
public sealed class DeployTests(PostgresFixture postgres, ITestOutputHelper output) : IAsyncLifetime
{
    private const string Input = """{"request":"A receptionist for our dental clinic.","documents":["clinic-faq.md","escalation-contacts.md"]}""";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private AgentsCluster? _cluster;

    private AgentsCluster Cluster => _cluster!;

    public async ValueTask InitializeAsync() => _cluster = await AgentsCluster.StartAsync(postgres.Server, workers: 1, settings: new Dictionary<string, string>
    {
        ["OrleansAgents__Model__OfflineLatency"] = "00:00:00.020",
        ["OrleansAgents__Agents__VoiceAgentBuilder__ToolLatency"] = "00:00:00.005",
    });

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task ARunKeepsItsVersionWhileASiloHostsIt_AndUpgradesOnceNoneDoes()
    {
        var kept = await StartWaitingAsync("kept");
        var upgraded = await StartWaitingAsync("upgraded");
        var oldVersion = (await Run(kept).GetStatusAsync()).AgentVersion;
        await StartNewVersionAsync([]);
        await Cluster.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        // The old worker still hosts the version: approved now, the run finishes with it.
        await Run(kept).ApproveAsync("ok", $"approve-{kept}");
        var keptDone = await RunJournal.WaitForTerminalAsync(Cluster, kept, Patience);

        // The last worker with it leaves: approved now, the run goes on with the new version, and says so.
        await Cluster.Silos[0].StopAsync(TimeSpan.FromSeconds(30));
        await Run(upgraded).ApproveAsync("ok", $"approve-{upgraded}");
        var upgradedDone = await RunJournal.WaitForTerminalAsync(Cluster, upgraded, Patience);

        var keptEvents = await RunJournal.ReadEventsAsync(Cluster, kept);
        var upgradedEvents = await RunJournal.ReadEventsAsync(Cluster, upgraded);
        Log(upgradedEvents);
        Assert.Equal(RunStatus.Succeeded, keptDone.Status);
        Assert.Equal(oldVersion, keptDone.AgentVersion);
        Assert.DoesNotContain(keptEvents, e => e.Type == RunEventTypes.RunUpgraded);
        Assert.Equal(RunStatus.Succeeded, upgradedDone.Status);
        var upgrade = Assert.Single(upgradedEvents, e => e.Type == RunEventTypes.RunUpgraded);
        Assert.Equal(oldVersion, Text(upgrade, "from"));
        Assert.NotEqual(oldVersion, Text(upgrade, "to"));
        Assert.Equal(Text(upgrade, "to"), upgradedDone.AgentVersion);
        Assert.Null(OrleansAgents.Runs.Core.RunState.Replay(upgradedEvents).Fault);
        // The runs table follows the upgrade (placement reads it).
        Assert.Equal(1, await RunJournal.CountAsync(Cluster, "SELECT count(*) FROM oa_runs WHERE run_id = $1 AND agent_version = $2", upgraded, Text(upgrade, "to")!));
    }

    [Fact]
    public async Task ARunWhoseAgentPinsItsVersion_WaitsVisiblyForASiloWithIt_ThenFailsWithAClearError()
    {
        var id = await StartWaitingAsync("pinned");
        await StartNewVersionAsync(new()
        {
            ["OrleansAgents__Agents__VoiceAgentBuilder__UpgradePolicy"] = "Pin",
            ["OrleansAgents__Runs__PinTimeout"] = "00:00:06",
        });
        await Cluster.Silos[0].StopAsync(TimeSpan.FromSeconds(30));

        var approved = await Run(id).ApproveAsync("ok", $"approve-{id}"); // recorded, but nothing runs on another version
        var pinned = await RunJournal.WaitForEventAsync(Cluster, id, e => e.Type == RunEventTypes.RunPinned, Patience);
        var done = await RunJournal.WaitForTerminalAsync(Cluster, id, Patience);

        Log(await RunJournal.ReadEventsAsync(Cluster, id));
        Assert.Equal(RunStatus.Running, approved.Status);
        Assert.Equal(approved.AgentVersion, approved.WaitingForVersion?.Version);
        Assert.Equal(approved.AgentVersion, Text(pinned, "version"));
        Assert.Equal(RunStatus.Failed, done.Status);
        Assert.Contains($"version '{approved.AgentVersion}' is hosted by no silo", done.Error, StringComparison.Ordinal);
        Assert.Contains("OrleansAgents:Runs:PinTimeout", done.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task APinnedRun_GoesOnWhereItsVersionComesBack_WithoutUpgrading()
    {
        var id = await StartWaitingAsync("comeback");
        await StartNewVersionAsync(new()
        {
            ["OrleansAgents__Agents__VoiceAgentBuilder__UpgradePolicy"] = "Pin",
            ["OrleansAgents__Runs__PinTimeout"] = "00:05:00",
        });
        var oldWorker = Cluster.Silos[0];
        await oldWorker.StopAsync(TimeSpan.FromSeconds(30));
        await Run(id).ApproveAsync("ok", $"approve-{id}");
        await RunJournal.WaitForEventAsync(Cluster, id, e => e.Type == RunEventTypes.RunPinned, Patience);

        oldWorker.Start(); // its version is back
        await Cluster.WaitForActiveSilosAsync(2, Patience);
        await RunJournal.WaitForTerminalInDatabaseAsync(Cluster, [id], Patience);

        var events = await RunJournal.ReadEventsAsync(Cluster, id);
        Log(events);
        Assert.Equal(RunEventTypes.RunSucceeded, events[^1].Type);
        Assert.Null(OrleansAgents.Runs.Core.RunState.Replay(events).Fault);
        Assert.DoesNotContain(events, e => e.Type == RunEventTypes.RunUpgraded);
        var lastResume = events.Last(e => e.Type == RunEventTypes.RunResumed);
        Assert.Contains($":{oldWorker.SiloPort}@", Text(lastResume, "silo"), StringComparison.Ordinal);
    }

    /// <summary>A voice-agent-builder run on the only (old) worker, waiting for approval to publish.</summary>
    private async Task<string> StartWaitingAsync(string name)
    {
        var id = $"{name}-{Guid.NewGuid():N}";
        await Run(id).StartAsync(new StartRunRequest("voice-agent-builder", Input, "user-1"));
        await RunJournal.WaitForEventAsync(Cluster, id, e => e.Type == RunEventTypes.InputRequested, Patience);
        return id;
    }

    private async Task StartNewVersionAsync(Dictionary<string, string> settings)
    {
        settings["OrleansAgents__Agents__VoiceAgentBuilder__MaxSteps"] = "41";
        Cluster.AddSilo("worker-v2", settings).Start();
        await Cluster.WaitForActiveSilosAsync(2, Patience);
    }

    private IAgentRunGrain Run(string id) => Cluster.Client.GetGrain<IAgentRunGrain>(id);

    private void Log(IEnumerable<RunEvent> events)
    {
        foreach (var e in events)
        {
            output.WriteLine($"{e.Seq,3} {e.Type,-16} {e.Data[..Math.Min(120, e.Data.Length)]}");
        }
    }

    private static string? Text(RunEvent e, string name)
    {
        using var doc = JsonDocument.Parse(e.Data);
        return doc.RootElement.TryGetProperty(name, out var value) ? value.GetString() : null;
    }
}
