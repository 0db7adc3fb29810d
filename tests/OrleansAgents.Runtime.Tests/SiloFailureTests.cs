using System.Globalization;
using OrleansAgents.Runs;
using OrleansAgents.Testing;

namespace OrleansAgents.Runtime.Tests;

/// <summary>Real silo processes killed or stopped under load; each test gets a fresh two-worker cluster.</summary>
public sealed class SiloFailureTests(PostgresFixture postgres, ITestOutputHelper output) : IAsyncLifetime
{
    private const int Runs = 20;
    private const int Steps = 30;
    private const int StepMs = 150;
    private AgentsCluster? _cluster;

    private AgentsCluster Cluster => _cluster!;

    public async ValueTask InitializeAsync() => _cluster = await AgentsCluster.StartAsync(postgres.Server, workers: 2);

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task KillingASiloMidRun_EveryRunCompletesOnTheSurvivor_WithNoCommittedStepRunTwice()
    {
        var ids = await StartRunsAsync();
        await Task.Delay(800);
        var (victim, victimRuns) = await PickVictimAsync(ids);

        var killedAt = DateTimeOffset.UtcNow;
        victim.Kill();
        output.WriteLine($"killed {victim.Name} with {victimRuns.Count} of {Runs} runs at {killedAt:O}");

        var recoveries = await AssertAllRunsCompletedCleanlyAsync(ids, victimRuns, killedAt);

        recoveries.Sort();
        var median = recoveries[recoveries.Count / 2];
        var line = string.Create(CultureInfo.InvariantCulture,
            $"{DateTimeOffset.UtcNow:O} kill-recovery runs={victimRuns.Count} median_ms={median:F0} max_ms={recoveries[^1]:F0}");
        output.WriteLine(line);
        var measurements = Path.Combine(SiloProcess.RepositoryRoot(), "artifacts", "measurements");
        Directory.CreateDirectory(measurements);
        await File.AppendAllTextAsync(Path.Combine(measurements, "kill-recovery.log"), line + Environment.NewLine);
    }

    [Fact]
    public async Task StoppingASiloGracefully_MidRun_EveryRunCompletesWithoutLoss()
    {
        var ids = await StartRunsAsync();
        await Task.Delay(800);
        var (victim, victimRuns) = await PickVictimAsync(ids);

        var stoppedAt = DateTimeOffset.UtcNow;
        await victim.StopAsync(TimeSpan.FromSeconds(30));
        Assert.False(victim.IsRunning);

        await AssertAllRunsCompletedCleanlyAsync(ids, victimRuns, stoppedAt);
    }

    [Fact]
    public async Task KillingEveryWorker_ThenStartingThemAgain_ResumesEveryRunFromItsJournal()
    {
        var ids = await StartRunsAsync();
        await Task.Delay(800);

        // Under load a run may finish before the kill: only unfinished runs must resume.
        var unfinished = await UnfinishedAsync(ids);
        var killedAt = DateTimeOffset.UtcNow;
        foreach (var silo in Cluster.Silos)
        {
            silo.Kill();
        }

        foreach (var silo in Cluster.Silos)
        {
            silo.Start();
        }

        Assert.NotEmpty(unfinished);
        await AssertAllRunsCompletedCleanlyAsync(ids, unfinished, killedAt);
    }

    [Fact]
    public async Task RollingRestartOfEveryWorkerUnderLoad_EveryRunSucceeds()
    {
        var ids = await StartRunsAsync();
        await Task.Delay(500);
        var restartedAt = DateTimeOffset.UtcNow;

        foreach (var silo in Cluster.Silos)
        {
            await silo.StopAsync(TimeSpan.FromSeconds(30));
            silo.Start();
            await Cluster.WaitForActiveSilosAsync(Cluster.Silos.Count, TimeSpan.FromSeconds(60));
        }

        await AssertAllRunsCompletedCleanlyAsync(ids, [], restartedAt);
    }

    [Fact]
    public async Task PostgresDownForTenSecondsUnderLoad_RunsPauseThenAllComplete_AndNoSiloCrashes()
    {
        var ids = await StartRunsAsync();
        await Task.Delay(800);

        await postgres.Server.StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(10));
        await postgres.Server.RestartAsync();
        Cluster.DataSource.Clear(); // the test's own pooled connections died with the server

        await AssertAllRunsCompletedCleanlyAsync(ids, [], DateTimeOffset.UtcNow);
        Assert.All(Cluster.Silos, s => Assert.True(s.IsRunning, $"{s.Name} exited during the outage; see {s.LogPath}"));
    }

    private async Task<List<string>> StartRunsAsync()
    {
        var ids = Enumerable.Range(0, Runs).Select(i => $"drill-{i}-{Guid.NewGuid():N}").ToList();
        await Task.WhenAll(ids.Select(id => Cluster.Client.GetGrain<IAgentRunGrain>(id)
            .StartAsync(new StartRunRequest("bench", RunJournal.BenchInput(Steps, StepMs), "drill"))));
        return ids;
    }

    /// <summary>The silo that hosts the most unfinished runs right now, and those runs.</summary>
    /// <remarks>Reads status and silo in one query: on a loaded machine some runs finish before the pick.</remarks>
    private async Task<(SiloProcess Silo, HashSet<string> Runs)> PickVictimAsync(List<string> ids)
    {
        await using var command = Cluster.DataSource.CreateCommand(
            "SELECT run_id, silo FROM oa_runs WHERE run_id = ANY($1) AND status IN ('pending', 'running') AND silo IS NOT NULL");
        command.Parameters.AddWithValue(ids.ToArray());
        var bySilo = new Dictionary<SiloProcess, HashSet<string>>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                var address = reader.GetString(1);
                var silo = Cluster.Silos.Single(s => address.Contains($":{s.SiloPort}@", StringComparison.Ordinal));
                bySilo.TryAdd(silo, []);
                bySilo[silo].Add(reader.GetString(0));
            }
        }

        Assert.True(bySilo.Count > 0, "every run finished before a victim could be picked");
        var victim = bySilo.MaxBy(p => p.Value.Count);
        return (victim.Key, victim.Value);
    }

    /// <summary>The runs not yet finished according to the runs table.</summary>
    private async Task<HashSet<string>> UnfinishedAsync(IEnumerable<string> ids)
    {
        await using var command = Cluster.DataSource.CreateCommand(
            "SELECT run_id FROM oa_runs WHERE run_id = ANY($1) AND status IN ('pending', 'running')");
        command.Parameters.AddWithValue(ids.ToArray());
        var unfinished = new HashSet<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            unfinished.Add(reader.GetString(0));
        }

        return unfinished;
    }

    /// <summary>Checks every run and returns, for runs that lived on the victim, ms from the failure to their resume.</summary>
    private async Task<List<double>> AssertAllRunsCompletedCleanlyAsync(List<string> ids, HashSet<string> victimRuns, DateTimeOffset failedAt)
    {
        await RunJournal.WaitForTerminalInDatabaseAsync(Cluster, ids, TimeSpan.FromSeconds(90));
        var recoveries = new List<double>();
        foreach (var id in ids)
        {
            var done = await RunJournal.WaitForTerminalAsync(Cluster, id, TimeSpan.FromSeconds(10));
            Assert.Equal(RunStatus.Succeeded, done.Status);

            var events = await RunJournal.ReadEventsAsync(Cluster, id);
            RunJournal.AssertWellFormed(events, Steps, RunEventTypes.RunSucceeded);

            // The witness: a step body may start again only if it was cut off, i.e. once per resume at that step.
            var resumesAt = events.Where(e => e.Type == RunEventTypes.RunResumed)
                .GroupBy(RunJournal.StepOf).ToDictionary(g => g.Key, g => g.Count());
            var executions = await RunJournal.ReadExecutionsAsync(Cluster, id);
            Assert.Equal(Steps, executions.Count);
            foreach (var (step, count) in executions)
            {
                var allowed = 1 + resumesAt.GetValueOrDefault(step);
                Assert.True(count <= allowed, $"run {id} step {step} ran {count} times; only {allowed} allowed");
            }

            if (victimRuns.Contains(id))
            {
                var resumed = events.FirstOrDefault(e => e.Type == RunEventTypes.RunResumed && e.At >= failedAt.AddMilliseconds(-50));
                Assert.True(resumed is not null, $"run {id} lived on the failed silo but never resumed");
                recoveries.Add((resumed.At - failedAt).TotalMilliseconds);
            }
        }

        return recoveries;
    }
}
