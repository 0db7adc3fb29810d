using System.Diagnostics;
using System.Text.Json;
using OrleansAgents.Runs;
using OrleansAgents.Testing;

namespace OrleansAgents.Runtime.Tests;

/// <summary>Child runs on real silo processes: fan-out, a SIGKILLed worker on either side, cancel cascading, limits.</summary>
public sealed class ChildRunTests(PostgresFixture postgres, ITestOutputHelper output) : IAsyncLifetime
{
    private const int ParentSteps = 2;
    private const int ChildSteps = 12;
    private AgentsCluster? _cluster;

    private AgentsCluster Cluster => _cluster!;

    public async ValueTask InitializeAsync() => _cluster = await AgentsCluster.StartAsync(postgres.Server, workers: 2,
        settings: new Dictionary<string, string> { ["OrleansAgents__Runs__Quotas__MaxChildrenPerRun"] = "5" });

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_parent_whose_worker_is_SIGKILLed_while_its_three_children_run_completes_once_with_all_three_results_and_no_child_starts_twice()
    {
        var parent = await StartParentAsync(children: 3, childStepMs: 250);
        await WaitForChildrenRunningAsync(parent, 3);

        var victim = await Cluster.HolderOfAsync(parent);
        victim.Kill();
        output.WriteLine($"killed {victim.Name}, which held the parent {parent}");

        await AssertFamilyCompletedOnceAsync(parent, 3);
    }

    [Fact]
    public async Task A_worker_holding_a_child_SIGKILLed_mid_run_leaves_every_run_completed_once_and_the_parent_with_all_three_results()
    {
        var parent = await StartParentAsync(children: 3, childStepMs: 250);
        var children = await WaitForChildrenRunningAsync(parent, 3);

        // A worker holding a child, the parent's own if every child is there too.
        var parentHolder = await Cluster.HolderOfAsync(parent);
        SiloProcess? victim = null;
        foreach (var child in children)
        {
            var holder = await Cluster.HolderOfAsync(child);
            if (victim is null || holder != parentHolder)
            {
                victim = holder;
            }
        }

        victim!.Kill();
        output.WriteLine($"killed {victim.Name} (parent on {parentHolder.Name})");

        await AssertFamilyCompletedOnceAsync(parent, 3);
    }

    [Fact]
    public async Task Cancelling_a_parent_cancels_its_unfinished_children_within_a_second()
    {
        var parent = await StartParentAsync(children: 3, childStepMs: 2_000, childSteps: 50);
        var children = await WaitForChildrenRunningAsync(parent, 3);

        var clock = Stopwatch.StartNew();
        await Cluster.Client.GetGrain<IAgentRunGrain>(parent).CancelAsync("test: cancel the family");
        var cancelled = await Task.WhenAll(children.Select(async child =>
        {
            while (true)
            {
                var status = await Cluster.Client.GetGrain<IAgentRunGrain>(child).GetStatusAsync();
                if (status.Status.IsTerminal() || clock.Elapsed > TimeSpan.FromSeconds(10))
                {
                    return (status, clock.Elapsed);
                }

                await Task.Delay(20);
            }
        }));

        foreach (var (status, elapsed) in cancelled)
        {
            output.WriteLine($"{status.RunId}: {status.Status} after {elapsed.TotalMilliseconds:F0} ms");
            Assert.Equal(RunStatus.Cancelled, status.Status);
            Assert.True(elapsed < TimeSpan.FromSeconds(1), $"child {status.RunId} was cancelled {elapsed.TotalMilliseconds:F0} ms after its parent");
            Assert.Contains(parent, status.Error, StringComparison.Ordinal);

            // The step in flight was cut: no step completes after the cancel, and the 2 s step did not run out.
            var events = await RunJournal.ReadEventsAsync(Cluster, status.RunId);
            Assert.Equal(RunEventTypes.RunCancelled, events[^1].Type);
        }

        var parentEvents = await RunJournal.ReadEventsAsync(Cluster, parent);
        Assert.Equal(RunEventTypes.RunCancelled, parentEvents[^1].Type);
    }

    [Fact]
    public async Task A_step_asking_for_more_children_than_the_limit_starts_none_and_its_agent_reads_an_error_naming_the_limit()
    {
        var parent = await StartParentAsync(children: 6, childStepMs: 10);
        var done = await RunJournal.WaitForTerminalAsync(Cluster, parent, TimeSpan.FromSeconds(60));

        Assert.Equal(RunStatus.Succeeded, done.Status);
        using var result = JsonDocument.Parse(done.Result!);
        var error = result.RootElement.GetProperty("children").GetProperty("error").GetString();
        Assert.Contains("OrleansAgents:Runs:Quotas:MaxChildrenPerRun", error, StringComparison.Ordinal);
        Assert.Equal(0, await RunJournal.CountAsync(Cluster, "SELECT count(*) FROM oa_runs WHERE run_id LIKE $1", parent + "::%"));
        Assert.DoesNotContain(await RunJournal.ReadEventsAsync(Cluster, parent), e => e.Type == RunEventTypes.ChildStarted);
    }

    [Fact]
    public async Task A_step_waiting_for_any_child_goes_on_when_the_first_ends_and_a_later_step_waits_for_the_rest()
    {
        var parent = $"parent-{Guid.NewGuid():N}";
        await Cluster.Client.GetGrain<IAgentRunGrain>(parent).StartAsync(new StartRunRequest("bench",
            """{"steps":1,"stepMs":10,"children":3,"childSteps":8,"firstChildSteps":1,"childStepMs":200,"childWait":"any"}""", "drill"));
        var done = await RunJournal.WaitForTerminalAsync(Cluster, parent, TimeSpan.FromSeconds(60));
        Assert.Equal(RunStatus.Succeeded, done.Status);

        var events = await RunJournal.ReadEventsAsync(Cluster, parent);
        RunJournal.AssertWellFormed(events, 3, RunEventTypes.RunSucceeded);
        var completed = events.Where(e => e.Type == RunEventTypes.StepCompleted).ToList();
        using var any = JsonDocument.Parse(completed[0].Data);
        using var all = JsonDocument.Parse(completed[1].Data);

        // Step 0 went on once the short child ended, the others still running; step 1 waited for every child.
        Assert.Equal(["succeeded", "running", "running"],
            any.RootElement.GetProperty("result").GetProperty("children").EnumerateArray().Select(c => c.GetProperty("status").GetString()));
        Assert.Equal(["succeeded", "succeeded", "succeeded"],
            all.RootElement.GetProperty("result").GetProperty("children").EnumerateArray().Select(c => c.GetProperty("status").GetString()));
        var lastChildEnd = events.Where(e => e.Type == RunEventTypes.ChildFinished).Max(e => e.At);
        Assert.True(completed[0].At < lastChildEnd, "the step waiting for any child waited for all of them");
        Assert.True(completed[1].At >= lastChildEnd, "the step waiting for every child went on before the last ended");
    }

    [Fact]
    public async Task A_child_run_shows_its_parent_and_the_parent_shows_its_children_with_their_status()
    {
        var parent = await StartParentAsync(children: 2, childStepMs: 10, childSteps: 2);
        var done = await RunJournal.WaitForTerminalAsync(Cluster, parent, TimeSpan.FromSeconds(60));
        Assert.Equal(RunStatus.Succeeded, done.Status);

        // A finished run is read from its last event; its children come from its journal once it is loaded again.
        var status = await Cluster.Client.GetGrain<IAgentRunGrain>(parent).GetStatusAsync();
        var child = await Cluster.Client.GetGrain<IAgentRunGrain>($"{parent}::0.1").GetStatusAsync();
        Assert.Equal(new ParentRun(parent, 0, 1), child.Parent);
        Assert.Equal(RunStatus.Succeeded, child.Status);
        Assert.Equal("drill", child.Owner);
        Assert.Null(status.Parent);
        Assert.Equal([$"{parent}::0.0", $"{parent}::0.1"], status.Children.Select(c => c.RunId));
        Assert.All(status.Children, c => Assert.Equal(RunStatus.Succeeded, c.Status));

        // Read again from its last event alone (a new activation of a finished run): the children are still there.
        await Cluster.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        var reread = await Cluster.Client.GetGrain<IAgentRunGrain>(parent).GetStatusAsync();
        Assert.Equal(status.Children, reread.Children);
    }

    private async Task<string> StartParentAsync(int children, int childStepMs, int childSteps = ChildSteps)
    {
        var id = $"parent-{Guid.NewGuid():N}";
        await Cluster.Client.GetGrain<IAgentRunGrain>(id).StartAsync(new StartRunRequest("bench",
            $$"""{"steps":{{ParentSteps}},"stepMs":50,"children":{{children}},"childSteps":{{childSteps}},"childStepMs":{{childStepMs}}}""", "drill"));
        return id;
    }

    /// <summary>Waits until the parent recorded its children and each has committed a step; returns their IDs.</summary>
    private async Task<List<string>> WaitForChildrenRunningAsync(string parent, int count)
    {
        var children = Enumerable.Range(0, count).Select(i => $"{parent}::0.{i}").ToList();
        var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
        while (true)
        {
            var started = await RunJournal.CountAsync(Cluster,
                "SELECT count(DISTINCT run_id) FROM oa_run_events WHERE run_id = ANY($1) AND type = 'step.completed'", new object[] { children.ToArray() });
            var recorded = await RunJournal.CountAsync(Cluster,
                "SELECT count(*) FROM oa_run_events WHERE run_id = $1 AND type = 'child.started'", parent);
            if (recorded == count && started >= count)
            {
                return children;
            }

            Assert.True(DateTimeOffset.UtcNow < deadline, $"the children of {parent} did not start: {recorded} recorded, {started} with a step done");
            await Task.Delay(100);
        }
    }

    private async Task AssertFamilyCompletedOnceAsync(string parent, int count)
    {
        var done = await RunJournal.WaitForTerminalAsync(Cluster, parent, TimeSpan.FromSeconds(90));
        Assert.Equal(RunStatus.Succeeded, done.Status);

        // The parent's result holds all three children's results.
        using var result = JsonDocument.Parse(done.Result!);
        var reported = result.RootElement.GetProperty("children").EnumerateArray().ToList();
        Assert.Equal(count, reported.Count);
        Assert.All(reported, c =>
        {
            Assert.Equal("succeeded", c.GetProperty("status").GetString());
            Assert.Equal(ChildSteps, c.GetProperty("result").GetProperty("steps").GetInt32());
        });

        // The parent's journal: well formed, each child recorded started once and finished once.
        var events = await RunJournal.ReadEventsAsync(Cluster, parent);
        RunJournal.AssertWellFormed(events, 1 + ParentSteps, RunEventTypes.RunSucceeded);
        var started = events.Where(e => e.Type == RunEventTypes.ChildStarted).Select(ChildOf).ToList();
        var finished = events.Where(e => e.Type == RunEventTypes.ChildFinished).Select(ChildOf).ToList();
        Assert.Equal(count, started.Distinct().Count());
        Assert.Equal(count, started.Count);
        Assert.Equal(started.Order(), finished.Order());

        // No child started twice: exactly these runs exist under the parent, each with one run.started, every step once.
        Assert.Equal(count, await RunJournal.CountAsync(Cluster, "SELECT count(*) FROM oa_runs WHERE run_id LIKE $1", parent + "::%"));
        foreach (var child in started)
        {
            var childEvents = await RunJournal.ReadEventsAsync(Cluster, child);
            RunJournal.AssertWellFormed(childEvents, ChildSteps, RunEventTypes.RunSucceeded);
            var resumesAt = childEvents.Where(e => e.Type == RunEventTypes.RunResumed)
                .GroupBy(RunJournal.StepOf).ToDictionary(g => g.Key, g => g.Count());
            foreach (var (step, times) in await RunJournal.ReadExecutionsAsync(Cluster, child))
            {
                Assert.True(times <= 1 + resumesAt.GetValueOrDefault(step), $"child {child} step {step} ran {times} times");
            }
        }
    }

    private static string ChildOf(RunEvent e)
    {
        using var doc = JsonDocument.Parse(e.Data);
        return doc.RootElement.GetProperty("runId").GetString()!;
    }
}
