using OrleansAgents.Runs;
using OrleansAgents.Testing;

namespace OrleansAgents.Runtime.Tests;

/// <summary>
/// A run resumes from its last snapshot and the events after it: real worker processes, one SIGKILLed mid-run,
/// and the journal's events before the snapshot made unreadable so a resume that read them would fail the run.
/// </summary>
public sealed class SnapshotResumeTests(PostgresFixture postgres, ITestOutputHelper output) : IAsyncLifetime
{
    private const int Steps = 60;
    private const int SnapshotEverySteps = 10;
    private AgentsCluster? _cluster;

    private AgentsCluster Cluster => _cluster!;

    public async ValueTask InitializeAsync() => _cluster = await AgentsCluster.StartAsync(postgres.Server, workers: 2, settings: new Dictionary<string, string>
    {
        ["OrleansAgents__Runs__SnapshotEverySteps"] = SnapshotEverySteps.ToString(System.Globalization.CultureInfo.InvariantCulture),
    });

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_run_killed_mid_way_resumes_from_its_snapshot_without_reading_the_events_before_it_and_runs_no_committed_step_again()
    {
        var id = $"snap-{Guid.NewGuid():N}";
        await Cluster.Client.GetGrain<IAgentRunGrain>(id).StartAsync(new StartRunRequest("bench", RunJournal.BenchInput(Steps, 60), "snapshots"));

        // Wait for a snapshot past step 20, then spoil an early event: only a resume that reads it would notice.
        long snapshotSeq = 0;
        for (var i = 0; i < 300 && snapshotSeq == 0; i++)
        {
            snapshotSeq = await RunJournal.CountAsync(Cluster, "SELECT coalesce(max(seq), 0) FROM oa_run_snapshots WHERE run_id = $1 AND seq > 45", id);
            await Task.Delay(50);
        }

        Assert.True(snapshotSeq > 0, "no snapshot was written past seq 45");
        var spoiled = await RunJournal.ReadEventsAsync(Cluster, id);
        var early = spoiled.First(e => e.Type == RunEventTypes.StepCompleted);
        await SetDataAsync(id, early.Seq, """{"step":"not a number"}""");
        var holder = await Cluster.HolderOfAsync(id);
        var killedAt = DateTimeOffset.UtcNow;
        holder.Kill();
        output.WriteLine($"killed {holder.Name} at {killedAt:O}, snapshot at seq {snapshotSeq}, spoiled seq {early.Seq}");

        var done = await RunJournal.WaitForTerminalAsync(Cluster, id, TimeSpan.FromSeconds(90));
        await SetDataAsync(id, early.Seq, early.Data);

        Assert.Equal(RunStatus.Succeeded, done.Status);
        var events = await RunJournal.ReadEventsAsync(Cluster, id);
        RunJournal.AssertWellFormed(events, Steps, RunEventTypes.RunSucceeded);
        var resumed = Assert.Single(events, e => e.Type == RunEventTypes.RunResumed && e.At >= killedAt);
        Assert.True(resumed.Seq > snapshotSeq);
        using (var data = System.Text.Json.JsonDocument.Parse(resumed.Data))
        {
            // What the survivor read: the snapshot and at most the events of the steps since it (two per step, and a few more).
            var read = data.RootElement.GetProperty("read");
            Assert.True(read.GetProperty("snapshotSeq").GetInt64() >= snapshotSeq, resumed.Data);
            Assert.True(read.GetProperty("events").GetInt32() <= (2 * SnapshotEverySteps) + 4, resumed.Data);
        }

        var resumedAt = RunJournal.StepOf(resumed);
        foreach (var (step, count) in await RunJournal.ReadExecutionsAsync(Cluster, id))
        {
            Assert.True(count <= (step == resumedAt ? 2 : 1), $"step {step} ran {count} times");
        }

        Assert.Equal(0, await RunJournal.CountAsync(Cluster, "SELECT count(*) FROM oa_run_snapshots WHERE run_id = $1", id)); // a finished run keeps none
    }

    private async Task SetDataAsync(string runId, long seq, string data)
    {
        await using var command = Cluster.DataSource.CreateCommand("UPDATE oa_run_events SET data = $3::json WHERE run_id = $1 AND seq = $2");
        command.Parameters.AddWithValue(runId);
        command.Parameters.AddWithValue(seq);
        command.Parameters.AddWithValue(data);
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }
}
