using System.Diagnostics;
using System.Text.Json;
using OrleansAgents.Runs;
using OrleansAgents.Testing;

namespace OrleansAgents.Runtime.Tests;

/// <summary>Durable timers on real silo processes: a sleeping run holds no activation, outlives every worker, wakes on time.</summary>
public sealed class DurableTimerTests(PostgresFixture postgres, ITestOutputHelper output) : IAsyncLifetime
{
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
    public async Task A_run_sleeping_on_a_timer_holds_no_activation_survives_a_restart_of_every_worker_and_wakes_within_a_second_of_its_time()
    {
        var id = await StartSleeperAsync(sleepMs: 25_000);
        var until = await WaitForTimerAsync(id);

        // Asleep: no activation of any run anywhere in the cluster.
        await WaitUntilAsync(async () => await RunActivationsAsync() == 0, TimeSpan.FromSeconds(10), "the sleeping run still holds an activation");

        foreach (var silo in Cluster.Silos)
        {
            silo.Kill();
        }

        foreach (var silo in Cluster.Silos)
        {
            silo.Start();
        }

        await Cluster.WaitForActiveSilosAsync(Cluster.Silos.Count, TimeSpan.FromSeconds(60));
        Assert.True(DateTimeOffset.UtcNow < until.AddSeconds(-2), "the workers took too long to come back for this test to mean anything");

        var done = await RunJournal.WaitForTerminalAsync(Cluster, id, TimeSpan.FromSeconds(60));
        Assert.Equal(RunStatus.Succeeded, done.Status);
        var events = await RunJournal.ReadEventsAsync(Cluster, id);
        RunJournal.AssertWellFormed(events, 2, RunEventTypes.RunSucceeded);
        var fired = Assert.Single(events, e => e.Type == RunEventTypes.TimerFired);
        using var data = JsonDocument.Parse(fired.Data);
        Assert.False(data.RootElement.GetProperty("early").GetBoolean());
        var late = fired.At - until;
        output.WriteLine($"until {until:O}, fired {fired.At:O}: {late.TotalMilliseconds:F0} ms late");
        Assert.True(late >= TimeSpan.Zero, $"the timer fired {-late.TotalMilliseconds:F0} ms early");
        Assert.True(late < TimeSpan.FromSeconds(1), $"the timer fired {late.TotalMilliseconds:F0} ms after its time");
    }

    [Fact]
    public async Task Polling_a_sleeping_runs_status_neither_rewrites_its_reminder_nor_delays_its_wake_up()
    {
        var id = await StartSleeperAsync(sleepMs: 12_000);
        var until = await WaitForTimerAsync(id);
        await WaitUntilAsync(async () => await RunActivationsAsync() == 0, TimeSpan.FromSeconds(10), "the sleeping run still holds an activation");
        var writes = await ReminderWritesAsync();

        // A client polling the run (GET /api/runs/{id} asks the grain) while it sleeps.
        for (var i = 0; i < 20 && DateTimeOffset.UtcNow < until.AddSeconds(-2); i++)
        {
            var status = await Cluster.Client.GetGrain<IAgentRunGrain>(id).GetStatusAsync();
            Assert.Equal(RunStatus.Running, status.Status);
            Assert.Equal(until, status.SleepingUntil);
            await Task.Delay(100);
        }

        Assert.Equal(writes, await ReminderWritesAsync());

        var done = await RunJournal.WaitForTerminalAsync(Cluster, id, TimeSpan.FromSeconds(30));
        Assert.Equal(RunStatus.Succeeded, done.Status);
        var fired = Assert.Single(await RunJournal.ReadEventsAsync(Cluster, id), e => e.Type == RunEventTypes.TimerFired);
        var late = fired.At - until;
        output.WriteLine($"until {until:O}, fired {fired.At:O}: {late.TotalMilliseconds:F0} ms late");
        Assert.True(late >= TimeSpan.Zero && late < TimeSpan.FromSeconds(1), $"the timer fired {late.TotalMilliseconds:F0} ms after its time");
    }

    [Fact]
    public async Task A_sleeping_run_woken_by_recovery_goes_back_to_sleep_once_and_holds_no_activation_until_its_time()
    {
        var id = await StartSleeperAsync(sleepMs: 600_000);
        await WaitForTimerAsync(id);
        await WaitUntilAsync(async () => await RunActivationsAsync() == 0, TimeSpan.FromSeconds(10), "the sleeping run still holds an activation");
        var eventsBefore = (await RunJournal.ReadEventsAsync(Cluster, id)).Count;

        // What dead-silo recovery and the start-up sweep do to every unfinished run whose silo is gone.
        await Cluster.Client.GetGrain<IAgentRunGrain>(id).WakeAsync();

        // It may take a moment to let go again; then it stays asleep (sampled, since an activation lives for
        // milliseconds: one that keeps coming back is seen in some of the samples).
        await WaitUntilAsync(async () => await RunActivationsAsync() == 0, TimeSpan.FromSeconds(10), "the woken sleeper did not let go of its activation");
        var seen = 0;
        for (var i = 0; i < 40; i++)
        {
            await Task.Delay(100);
            seen += await RunActivationsAsync() > 0 ? 1 : 0;
        }

        Assert.True(seen == 0, $"the sleeping run was active again in {seen} of 40 samples over 4 s after it went back to sleep");
        Assert.Equal(eventsBefore, (await RunJournal.ReadEventsAsync(Cluster, id)).Count);
        Assert.Equal(1, await RemindersAsync());
        await Cluster.Client.GetGrain<IAgentRunGrain>(id).CancelAsync("test: done");
    }

    [Fact]
    public async Task Cancelling_a_sleeping_run_ends_it_at_once_and_drops_its_reminder()
    {
        var id = await StartSleeperAsync(sleepMs: 600_000);
        await WaitForTimerAsync(id);
        await WaitUntilAsync(async () => await RunActivationsAsync() == 0, TimeSpan.FromSeconds(10), "the sleeping run still holds an activation");
        Assert.Equal(1, await RemindersAsync());

        var clock = Stopwatch.StartNew();
        var cancelled = await Cluster.Client.GetGrain<IAgentRunGrain>(id).CancelAsync("test: no need to wait");
        output.WriteLine($"cancel answered in {clock.ElapsedMilliseconds} ms");

        Assert.Equal(RunStatus.Cancelled, cancelled.Status);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"the cancel took {clock.ElapsedMilliseconds} ms");
        var events = await RunJournal.ReadEventsAsync(Cluster, id);
        Assert.Equal(RunEventTypes.RunCancelled, events[^1].Type);
        Assert.DoesNotContain(events, e => e.Type == RunEventTypes.TimerFired);
        await WaitUntilAsync(async () => await RemindersAsync() == 0, TimeSpan.FromSeconds(10), "the cancelled run's reminder is still registered");
    }

    [Fact]
    public async Task A_steer_message_wakes_a_sleeping_run_early_and_it_goes_on()
    {
        var id = await StartSleeperAsync(sleepMs: 600_000);
        await WaitForTimerAsync(id);

        await Cluster.Client.GetGrain<IAgentRunGrain>(id).SendMessageAsync("wake up: the review is in", "test-wake");
        var done = await RunJournal.WaitForTerminalAsync(Cluster, id, TimeSpan.FromSeconds(30));

        Assert.Equal(RunStatus.Succeeded, done.Status);
        var events = await RunJournal.ReadEventsAsync(Cluster, id);
        var fired = Assert.Single(events, e => e.Type == RunEventTypes.TimerFired);
        using var data = JsonDocument.Parse(fired.Data);
        Assert.True(data.RootElement.GetProperty("early").GetBoolean());
        Assert.Equal("message", data.RootElement.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task A_sleeping_run_shows_when_it_wakes()
    {
        var id = await StartSleeperAsync(sleepMs: 600_000);
        var until = await WaitForTimerAsync(id);

        var status = await Cluster.Client.GetGrain<IAgentRunGrain>(id).GetStatusAsync();

        Assert.Equal(RunStatus.Running, status.Status);
        Assert.Equal(until, status.SleepingUntil);
        await Cluster.Client.GetGrain<IAgentRunGrain>(id).CancelAsync("test: done");
    }

    private async Task<string> StartSleeperAsync(int sleepMs)
    {
        var id = $"sleeper-{Guid.NewGuid():N}";
        await Cluster.Client.GetGrain<IAgentRunGrain>(id).StartAsync(new StartRunRequest("bench",
            $$"""{"steps":1,"stepMs":10,"sleepMs":{{sleepMs}}}""", "drill"));
        return id;
    }

    private async Task<DateTimeOffset> WaitForTimerAsync(string id)
    {
        var started = await RunJournal.WaitForEventAsync(Cluster, id, e => e.Type == RunEventTypes.TimerStarted, TimeSpan.FromSeconds(30));
        using var data = JsonDocument.Parse(started.Data);
        return data.RootElement.GetProperty("until").GetDateTimeOffset();
    }

    private async Task<int> RunActivationsAsync()
    {
        var statistics = await Cluster.Client.GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics();
        return statistics.Where(s => s.GrainType.Contains("AgentRunGrain", StringComparison.Ordinal)).Sum(s => s.ActivationCount);
    }

    /// <summary>Every registration of a reminder bumps its row's version (the ADO.NET provider's etag).</summary>
    private Task<long> ReminderWritesAsync() =>
        RunJournal.CountAsync(Cluster, "SELECT coalesce(sum(version), 0) FROM orleansreminderstable WHERE serviceid = $1", Cluster.ServiceId);

    private Task<long> RemindersAsync() =>
        RunJournal.CountAsync(Cluster, "SELECT count(*) FROM orleansreminderstable WHERE serviceid = $1", Cluster.ServiceId);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string failure)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (!await condition())
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, failure);
            await Task.Delay(200);
        }
    }
}
