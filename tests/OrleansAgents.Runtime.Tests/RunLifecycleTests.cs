using System.Diagnostics;
using OrleansAgents.Runs;
using OrleansAgents.Testing;

namespace OrleansAgents.Runtime.Tests;

[Collection(SharedClusterCollection.Name)]
public sealed class RunLifecycleTests(ClusterFixture fixture)
{
    private static readonly TimeSpan Finish = TimeSpan.FromSeconds(60);

    private AgentsCluster Cluster => fixture.Cluster;

    private IAgentRunGrain Run(string id) => Cluster.Client.GetGrain<IAgentRunGrain>(id);

    private static string NewId() => $"run-{Guid.NewGuid():N}";

    [Fact]
    public async Task StartAsync_BenchRun_SucceedsWithAGapFreeJournal()
    {
        var id = NewId();
        var accepted = await Run(id).StartAsync(new StartRunRequest("bench", RunJournal.BenchInput(5, 10, 200), "user-1"));
        Assert.Equal(RunStatus.Running, accepted.Status);

        var done = await RunJournal.WaitForTerminalAsync(Cluster, id, Finish);

        Assert.Equal(RunStatus.Succeeded, done.Status);
        Assert.Equal(5, done.Steps);
        Assert.Equal("""{"steps":5}""", done.Result);
        var events = await RunJournal.ReadEventsAsync(Cluster, id);
        RunJournal.AssertWellFormed(events, 5, RunEventTypes.RunSucceeded);
        Assert.Equal(events.Count, done.LastSeq);
        // run.started, then for each step started+completed, then run.succeeded.
        Assert.Equal(1 + (5 * 2) + 1, events.Count);
    }

    [Fact]
    public async Task GetEventsAsync_AfterASeq_ReturnsOnlyLaterEventsInOrder()
    {
        var id = NewId();
        await Run(id).StartAsync(new StartRunRequest("bench", RunJournal.BenchInput(3, 0), "user-1"));
        await RunJournal.WaitForTerminalAsync(Cluster, id, Finish);

        var page = await Run(id).GetEventsAsync(afterSeq: 2, max: 3);

        Assert.Equal([3L, 4L, 5L], page.Select(e => e.Seq));
    }

    [Fact]
    public async Task StartAsync_SameRunIdTwice_YieldsOneRun()
    {
        var id = NewId();
        var request = new StartRunRequest("bench", RunJournal.BenchInput(3, 20), "user-1");

        var first = await Run(id).StartAsync(request);
        var second = await Run(id).StartAsync(request with { Input = """{ "steps": 3, "stepMs": 20, "bytes": 64 }""" });
        await RunJournal.WaitForTerminalAsync(Cluster, id, Finish);
        var third = await Run(id).StartAsync(request);

        Assert.Equal(first.CreatedAt, second.CreatedAt);
        Assert.Equal(first.CreatedAt, third.CreatedAt);
        Assert.Equal(RunStatus.Succeeded, third.Status);
        var events = await RunJournal.ReadEventsAsync(Cluster, id);
        Assert.Single(events, e => e.Type == RunEventTypes.RunStarted);
        RunJournal.AssertWellFormed(events, 3, RunEventTypes.RunSucceeded);
    }

    [Fact]
    public async Task StartAsync_DifferentRequestUnderAnExistingId_FailsWithAConflict()
    {
        var id = NewId();
        await Run(id).StartAsync(new StartRunRequest("bench", RunJournal.BenchInput(1, 0), "user-1"));

        var error = await Assert.ThrowsAsync<RunConflictException>(
            () => Run(id).StartAsync(new StartRunRequest("bench", RunJournal.BenchInput(2, 0), "user-1")));

        Assert.Contains(id, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("no-such-agent", "{}", "Unknown agent")]
    [InlineData("bench", "{not json", "not valid JSON")]
    [InlineData("bench", """{"steps":-1}""", "steps")]
    [InlineData("bench", "[1,2]", "object")]
    public async Task StartAsync_BadRequest_FailsClearlyAndStoresNothing(string agent, string input, string message)
    {
        var id = NewId();

        var error = await Assert.ThrowsAsync<InvalidRunRequestException>(
            () => Run(id).StartAsync(new StartRunRequest(agent, input, "user-1")));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<RunNotFoundException>(() => Run(id).GetStatusAsync());
        Assert.Empty(await RunJournal.ReadEventsAsync(Cluster, id));
    }

    [Fact]
    public async Task GetStatusAsync_WhileALongStepIsInFlight_AnswersWithoutWaitingForTheStep()
    {
        var id = NewId();
        await Run(id).StartAsync(new StartRunRequest("bench", RunJournal.BenchInput(1, 20_000), "user-1"));
        await Task.Delay(300);

        var clock = Stopwatch.StartNew();
        var status = await Run(id).GetStatusAsync();
        var events = await Run(id).GetEventsAsync(0, 100);
        clock.Stop();

        Assert.Equal(RunStatus.Running, status.Status);
        Assert.Equal(RunEventTypes.StepStarted, events[^1].Type);
        // The step takes 20 s; answering at all before it ends proves the call did not queue behind it.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"Status took {clock.Elapsed} while the step ran.");
        await Run(id).CancelAsync("test cleanup");
    }

    [Fact]
    public async Task CancelAsync_DuringAStep_StopsTheRunAndItStaysCancelledAcrossReactivation()
    {
        var id = NewId();
        await Run(id).StartAsync(new StartRunRequest("bench", RunJournal.BenchInput(3, 30_000), "user-1"));
        await Task.Delay(300);

        var cancelled = await Run(id).CancelAsync("user asked");
        Assert.Equal(RunStatus.Cancelled, cancelled.Status);
        Assert.Equal("user asked", cancelled.Error);

        await DeactivateAllAsync();
        await Task.Delay(TimeSpan.FromSeconds(6)); // longer than a reminder period: nothing may revive it
        var later = await Run(id).GetStatusAsync();
        var again = await Run(id).CancelAsync("twice");

        Assert.Equal(RunStatus.Cancelled, later.Status);
        Assert.Equal(RunStatus.Cancelled, again.Status);
        Assert.Equal("user asked", again.Error);
        var events = await RunJournal.ReadEventsAsync(Cluster, id);
        RunJournal.AssertWellFormed(events, 0, RunEventTypes.RunCancelled);
        Assert.Equal(3, events.Count); // run.started, step.started, run.cancelled
    }

    [Fact]
    public async Task FinishedRun_SurvivesDeactivationAndReactivation()
    {
        var id = NewId();
        await Run(id).StartAsync(new StartRunRequest("bench", RunJournal.BenchInput(4, 0, 100), "user-1"));
        var before = await RunJournal.WaitForTerminalAsync(Cluster, id, Finish);
        var eventsBefore = await Run(id).GetEventsAsync(0, 1000);

        await DeactivateAllAsync();
        var after = await Run(id).GetStatusAsync();
        var eventsAfter = await Run(id).GetEventsAsync(0, 1000);

        Assert.Equal(before, after);
        Assert.Equal(eventsBefore, eventsAfter);
    }

    [Fact]
    public async Task RunningRun_DeactivatedMidRun_ResumesFromItsLastCommittedStep()
    {
        var id = NewId();
        await Run(id).StartAsync(new StartRunRequest("bench", RunJournal.BenchInput(10, 150), "user-1"));
        await Task.Delay(700);

        await DeactivateAllAsync();
        var done = await RunJournal.WaitForTerminalAsync(Cluster, id, Finish);

        Assert.Equal(RunStatus.Succeeded, done.Status);
        var events = await RunJournal.ReadEventsAsync(Cluster, id);
        RunJournal.AssertWellFormed(events, 10, RunEventTypes.RunSucceeded);
        var resumed = Assert.Single(events, e => e.Type == RunEventTypes.RunResumed);
        var executions = await RunJournal.ReadExecutionsAsync(Cluster, id);
        var resumedStep = RunJournal.StepOf(resumed);
        foreach (var (step, count) in executions)
        {
            // Only the step cut off by the deactivation may run twice.
            Assert.True(count == 1 || (count == 2 && step == resumedStep), $"step {step} ran {count} times");
        }
    }

    [Fact]
    public async Task WorkerSilos_ExposeRunMetricsForPrometheus()
    {
        var id = NewId();
        await Run(id).StartAsync(new StartRunRequest("bench", RunJournal.BenchInput(3, 0), "user-1"));
        await RunJournal.WaitForTerminalAsync(Cluster, id, Finish);
        using var http = new HttpClient();

        var scrapes = await Task.WhenAll(Cluster.Silos.Select(s => http.GetStringAsync(new Uri($"http://127.0.0.1:{s.MetricsPort}/metrics"))));

        // The silo that ran the run counts its steps; every silo exports the Orleans runtime's own metrics.
        Assert.Contains(scrapes, m => m.Contains("orleans_agents_steps_committed_total", StringComparison.Ordinal)
            && m.Contains("orleans_agents_journal_commit_duration", StringComparison.Ordinal));
        Assert.All(scrapes, m => Assert.Contains("orleans_", m, StringComparison.Ordinal));
    }

    private Task DeactivateAllAsync() =>
        Cluster.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
}
