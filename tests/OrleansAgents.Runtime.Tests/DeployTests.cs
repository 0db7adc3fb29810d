using System.Text.Json;
using OrleansAgents.Runs;
using OrleansAgents.Testing;

namespace OrleansAgents.Runtime.Tests;

/// <summary>
/// Runs across a deploy that changes an agent's definition: a second worker comes up with bench version 2,
/// then the worker with version 1 leaves. Each test gets a fresh cluster that starts with one worker.
/// </summary>
public sealed class DeployTests(PostgresFixture postgres, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private AgentsCluster? _cluster;

    private AgentsCluster Cluster => _cluster!;

    public async ValueTask InitializeAsync() => _cluster = await AgentsCluster.StartAsync(postgres.Server, workers: 1);

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task ARunStaysOnASiloWithItsVersionWhileOneLives_AndUpgradesWhenTheLastOneLeaves()
    {
        var id = $"deploy-{Guid.NewGuid():N}";
        await Run(id).StartAsync(new StartRunRequest("bench", RunJournal.BenchInput(10, 600), "user-1"));
        var oldWorker = Cluster.Silos[0];
        await StartNewVersionAsync(new Dictionary<string, string>());

        // While the old worker lives, a new activation of the run is placed there, with its version.
        await RunJournal.WaitForEventAsync(Cluster, id, e => e.Type == RunEventTypes.StepCompleted, Patience);
        await Cluster.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        var resumed = await RunJournal.WaitForEventAsync(Cluster, id, e => e.Type == RunEventTypes.RunResumed, Patience);
        Assert.Contains($":{oldWorker.SiloPort}@", Text(resumed, "silo"), StringComparison.Ordinal);

        // The last worker with version 1 leaves: the run goes on with version 2, and says so.
        await oldWorker.StopAsync(TimeSpan.FromSeconds(30));
        var done = await RunJournal.WaitForTerminalAsync(Cluster, id, Patience);

        var events = await RunJournal.ReadEventsAsync(Cluster, id);
        Log(events);
        Assert.Equal(RunStatus.Succeeded, done.Status);
        Assert.Equal("2", done.AgentVersion);
        RunJournal.AssertWellFormed(events, 10, RunEventTypes.RunSucceeded);
        var upgraded = Assert.Single(events, e => e.Type == RunEventTypes.RunUpgraded);
        Assert.Equal(("1", "2"), (Text(upgraded, "from"), Text(upgraded, "to")));
        // The runs table follows the upgrade (placement reads it): a new activation looks for version 2.
        Assert.Equal(1, await RunJournal.CountAsync(Cluster, "SELECT count(*) FROM oa_runs WHERE run_id = $1 AND agent_version = '2'", id));
    }

    [Fact]
    public async Task ARunWhoseAgentPinsItsVersion_WaitsVisiblyForASiloWithIt_ThenFailsWithAClearError()
    {
        var id = $"pinned-{Guid.NewGuid():N}";
        await Run(id).StartAsync(new StartRunRequest("bench", RunJournal.BenchInput(30, 400), "user-1"));
        await StartNewVersionAsync(new Dictionary<string, string>
        {
            ["OrleansAgents__Agents__Bench__UpgradePolicy"] = "Pin",
            ["OrleansAgents__Runs__PinTimeout"] = "00:00:06",
        });

        await Cluster.Silos[0].StopAsync(TimeSpan.FromSeconds(30));
        var pinned = await RunJournal.WaitForEventAsync(Cluster, id, e => e.Type == RunEventTypes.RunPinned, Patience);
        var waiting = await Run(id).GetStatusAsync();
        var done = await RunJournal.WaitForTerminalAsync(Cluster, id, Patience);

        Log(await RunJournal.ReadEventsAsync(Cluster, id));
        Assert.Equal("1", Text(pinned, "version"));
        Assert.Equal(RunStatus.Running, waiting.Status);
        Assert.Equal("1", waiting.WaitingForVersion?.Version);
        Assert.Equal(RunStatus.Failed, done.Status);
        Assert.Contains("version '1' is hosted by no silo", done.Error, StringComparison.Ordinal);
        Assert.Contains("OrleansAgents:Runs:PinTimeout", done.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task APinnedRun_GoesOnWhereItsVersionComesBack_WithoutUpgrading()
    {
        var id = $"pinned-{Guid.NewGuid():N}";
        await Run(id).StartAsync(new StartRunRequest("bench", RunJournal.BenchInput(12, 400), "user-1"));
        await StartNewVersionAsync(new Dictionary<string, string>
        {
            ["OrleansAgents__Agents__Bench__UpgradePolicy"] = "Pin",
            ["OrleansAgents__Runs__PinTimeout"] = "00:05:00",
        });

        var oldWorker = Cluster.Silos[0];
        await oldWorker.StopAsync(TimeSpan.FromSeconds(30));
        await RunJournal.WaitForEventAsync(Cluster, id, e => e.Type == RunEventTypes.RunPinned, Patience);
        oldWorker.Start(); // version 1 is back
        await Cluster.WaitForActiveSilosAsync(2, Patience);
        await RunJournal.WaitForTerminalInDatabaseAsync(Cluster, [id], Patience);

        var events = await RunJournal.ReadEventsAsync(Cluster, id);
        Log(events);
        RunJournal.AssertWellFormed(events, 12, RunEventTypes.RunSucceeded);
        Assert.DoesNotContain(events, e => e.Type == RunEventTypes.RunUpgraded);
        var lastResume = events.Last(e => e.Type == RunEventTypes.RunResumed);
        Assert.Contains($":{oldWorker.SiloPort}@", Text(lastResume, "silo"), StringComparison.Ordinal);
    }

    private async Task StartNewVersionAsync(Dictionary<string, string> settings)
    {
        settings["OrleansAgents__Agents__Bench__Version"] = "2";
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
