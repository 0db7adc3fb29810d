using OrleansAgents.Runs;
using OrleansAgents.Testing;

namespace OrleansAgents.Runtime.Tests;

/// <summary>
/// The run's promises on the paths that are not a clean crash: another activation committing meanwhile,
/// a database that refuses a result, an event the run cannot explain. Where a test needs "another
/// activation", it writes that activation's commit straight into the journal, as that activation would.
/// </summary>
[Collection(SharedClusterCollection.Name)]
public sealed class RunIntegrityTests(ClusterFixture fixture)
{
    private static readonly TimeSpan Finish = TimeSpan.FromSeconds(60);

    private AgentsCluster Cluster => fixture.Cluster;

    private IAgentRunGrain Run(string id) => Cluster.Client.GetGrain<IAgentRunGrain>(id);

    private static string NewId() => $"run-{Guid.NewGuid():N}";

    [Fact]
    public async Task AStepResultOvertakenByAnotherActivation_IsDroppedAfterTheConflict_AndTheRunStillFinishesAndLoads()
    {
        var id = NewId();
        await Run(id).StartAsync(new StartRunRequest("bench", RunJournal.BenchInput(3, 3_000), "user-1"));
        var started = await RunJournal.WaitForEventAsync(Cluster, id, e => e.Type == RunEventTypes.StepStarted, Finish);

        // Another activation of the run finished step 0 and started step 1 while this one still runs step 0.
        await RunJournal.InsertEventsAsync(Cluster, id, started.Seq + 1,
            (RunEventTypes.StepCompleted, """{"step":0,"name":"bench.step","durationMs":1,"result":{"i":0,"data":"other"}}"""),
            (RunEventTypes.StepStarted, """{"step":1,"name":"bench.step","idempotencyKey":"other:1","args":{}}"""));
        // A steer message now collides with those events: the activation reloads its journal.
        await SendMessageIgnoringRefusalAsync(id, "hello");

        var done = await RunJournal.WaitForTerminalAsync(Cluster, id, Finish);
        Assert.Equal(RunStatus.Succeeded, done.Status);
        await DeactivateAllAsync();
        Assert.Equal(RunStatus.Succeeded, (await Run(id).GetStatusAsync()).Status); // it loads again
        var events = await RunJournal.ReadEventsAsync(Cluster, id);
        RunJournal.AssertWellFormed(events, 3, RunEventTypes.RunSucceeded);
        Assert.Contains("other", Assert.Single(events, e => e.Type == RunEventTypes.StepCompleted && RunJournal.StepOf(e) == 0).Data, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACancelWhoseCommitCollides_IsCarriedOut_AndTheRunEndsCancelled()
    {
        var id = NewId();
        await Run(id).StartAsync(new StartRunRequest("bench", RunJournal.BenchInput(3, 4_000), "user-1"));
        var started = await RunJournal.WaitForEventAsync(Cluster, id, e => e.Type == RunEventTypes.StepStarted, Finish);

        // Another activation recorded a message; this activation does not know yet, so its cancel collides.
        await RunJournal.InsertEventsAsync(Cluster, id, started.Seq + 1, (RunEventTypes.InputMessage, """{"message":"from elsewhere"}"""));
        var answer = await Run(id).CancelAsync("user asked");

        Assert.Equal(RunStatus.Cancelled, answer.Status);
        await RunJournal.WaitForTerminalInDatabaseAsync(Cluster, [id], TimeSpan.FromSeconds(20));
        var events = await RunJournal.ReadEventsAsync(Cluster, id);
        RunJournal.AssertWellFormed(events, 0, RunEventTypes.RunCancelled);
        Assert.Equal(RunStatus.Cancelled, (await Run(id).GetStatusAsync()).Status);
    }

    [Fact]
    public async Task AStepResultThatPostgresRefuses_FailsTheRunWithTheError_InsteadOfRunningTheStepAgainAndAgain()
    {
        var id = NewId();
        var trigger = $"oa_test_refuse_{Guid.NewGuid():N}"[..30];
        await ExecuteAsync($"""
            CREATE FUNCTION {trigger}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'the test refuses this result'; END $$;
            CREATE TRIGGER {trigger} BEFORE INSERT ON oa_run_events FOR EACH ROW
              WHEN (NEW.run_id = '{id}' AND NEW.type = 'step.completed') EXECUTE FUNCTION {trigger}();
            """);
        try
        {
            await Run(id).StartAsync(new StartRunRequest("bench", RunJournal.BenchInput(2, 50), "user-1"));

            await RunJournal.WaitForTerminalInDatabaseAsync(Cluster, [id], TimeSpan.FromSeconds(30));
            var done = await RunJournal.WaitForTerminalAsync(Cluster, id, Finish);
            Assert.Equal(RunStatus.Failed, done.Status);
            Assert.Contains("the test refuses this result", done.Error, StringComparison.Ordinal);
            Assert.Contains("step 0", done.Error, StringComparison.OrdinalIgnoreCase);
            var executions = await RunJournal.ReadExecutionsAsync(Cluster, id);
            Assert.Equal(1, executions[0]); // the step ran once; its result could not be recorded, so the run failed
        }
        finally
        {
            await ExecuteAsync($"DROP TRIGGER IF EXISTS {trigger} ON oa_run_events; DROP FUNCTION IF EXISTS {trigger}();");
        }
    }

    [Fact]
    public async Task AJournalEventTheRunCannotExplain_FailsTheRunOnceWithAClearError_InsteadOfBreakingEveryActivation()
    {
        var id = NewId();
        await Run(id).StartAsync(new StartRunRequest("bench", RunJournal.BenchInput(3, 3_000), "user-1"));
        var started = await RunJournal.WaitForEventAsync(Cluster, id, e => e.Type == RunEventTypes.StepStarted, Finish);
        // A completion of a step that was never started: no activation of this run writes that.
        await RunJournal.InsertEventsAsync(Cluster, id, started.Seq + 1,
            (RunEventTypes.StepCompleted, """{"step":7,"name":"bench.step","durationMs":1,"result":{}}"""));

        await DeactivateAllAsync();
        var done = await RunJournal.WaitForTerminalAsync(Cluster, id, Finish);

        Assert.Equal(RunStatus.Failed, done.Status);
        Assert.Contains("cannot be replayed", done.Error, StringComparison.Ordinal);
        Assert.Contains($"seq {started.Seq + 1}", done.Error, StringComparison.Ordinal);
        await DeactivateAllAsync();
        Assert.Equal(RunStatus.Failed, (await Run(id).GetStatusAsync()).Status);
        var events = await RunJournal.ReadEventsAsync(Cluster, id);
        Assert.Single(events, e => RunEventTypes.IsTerminal(e.Type));
        Assert.Equal(RunEventTypes.RunFailed, events[^1].Type);
    }

    [Fact]
    public async Task ACommandToAFinishedRunInANewActivation_IsRefusedAsFinished_NotAnError()
    {
        var id = NewId();
        await Run(id).StartAsync(new StartRunRequest("bench", RunJournal.BenchInput(2, 0), "user-1"));
        await RunJournal.WaitForTerminalAsync(Cluster, id, Finish);
        await DeactivateAllAsync(); // the next activation knows the run from its last event only

        var message = await Assert.ThrowsAsync<RunStateException>(() => Run(id).SendMessageAsync("too late", "k1"));
        var approve = await Assert.ThrowsAsync<RunStateException>(() => Run(id).ApproveAsync("too late", "k2"));

        Assert.Contains("has finished", message.Message, StringComparison.Ordinal);
        Assert.Contains("not waiting for input", approve.Message, StringComparison.Ordinal);
    }

    private async Task SendMessageIgnoringRefusalAsync(string id, string message)
    {
        try
        {
            await Run(id).SendMessageAsync(message);
        }
        catch (RunStateException)
        {
            // Today's grain reports the collision as a refusal; what matters here is what the run does next.
        }
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var command = Cluster.DataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    private Task DeactivateAllAsync() =>
        Cluster.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
}
