using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Streams;
using OrleansAgents.Client;
using OrleansAgents.Runs;

namespace OrleansAgents.Runtime.Tests;

/// <summary>The typed client an internal service uses, against the real cluster.</summary>
[Collection(SharedClusterCollection.Name)]
public sealed class ClientLibraryTests(ClusterFixture fixture) : IAsyncLifetime
{
    private IHost? _host;

    private IAgentRuns Runs => _host!.Services.GetRequiredService<IAgentRuns>();

    public async ValueTask InitializeAsync()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = fixture.Cluster.ConnectionString,
            ["OrleansAgents:Client:ClusterId"] = fixture.Cluster.ServiceId,
            ["OrleansAgents:Client:ServiceId"] = fixture.Cluster.ServiceId,
            ["OrleansAgents:Client:Owner"] = "billing-service",
        });
        builder.Services.AddOrleansAgentsClient(builder.Configuration);
        _host = builder.Build();
        await _host.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.StopAsync();
            _host.Dispose();
        }
    }

    [Fact]
    public async Task WatchAsync_WithAReconnectInTheMiddle_YieldsEveryEventOnceInOrder()
    {
        var id = $"client-{Guid.NewGuid():N}";
        var started = await Runs.StartAsync(id, "bench", RunJournal.BenchInput(10, 100));

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var first = new List<RunEvent>();
        await foreach (var e in Runs.WatchAsync(id, 0, timeout.Token))
        {
            first.Add(e);
            if (first.Count == 6)
            {
                break; // the service restarts, say
            }
        }

        var rest = new List<RunEvent>();
        await foreach (var e in Runs.WatchAsync(id, first[^1].Seq, timeout.Token))
        {
            rest.Add(e);
        }

        Assert.Equal("billing-service", started.Owner);
        var all = first.Concat(rest).ToList();
        Assert.Equal(Enumerable.Range(1, all.Count).Select(i => (long)i), all.Select(e => e.Seq));
        Assert.Equal(RunEventTypes.RunSucceeded, all[^1].Type);
        Assert.Equal(10, all.Count(e => e.Type == RunEventTypes.StepCompleted));
        Assert.Equal(RunStatus.Succeeded, (await Runs.GetAsync(id)).Status);
    }

    [Fact]
    public async Task A_watch_that_ends_before_its_run_does_gives_its_lease_back_so_the_run_stops_publishing_live()
    {
        var id = $"client-{Guid.NewGuid():N}";
        await Runs.StartAsync(id, "bench", RunJournal.BenchInput(60, 100));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var seen = 0;
        await foreach (var e in Runs.WatchAsync(id, 0, timeout.Token))
        {
            if (++seen == 3)
            {
                break; // the service is done with this run, which goes on
            }
        }

        // Listen on the run's stream as no watch does: the run publishes there only while some watch holds a lease.
        var batches = 0;
        var stream = _host!.Services.GetRequiredService<IClusterClient>().GetStreamProvider(OrleansAgentsNames.StreamProvider)
            .GetStream<RunEventBatch>(StreamId.Create(OrleansAgentsNames.RunEventsNamespace, id));
        var handle = await stream.SubscribeAsync((_, _) =>
        {
            Interlocked.Increment(ref batches);
            return Task.CompletedTask;
        });
        long before, after;
        try
        {
            // A batch the run sent before the watch ended may still be on its way (the stream's queue is polled):
            // count only what comes after it has had time to arrive.
            await Task.Delay(TimeSpan.FromSeconds(2), timeout.Token);
            Interlocked.Exchange(ref batches, 0);
            before = (await Runs.GetAsync(id)).LastSeq;
            await Task.Delay(TimeSpan.FromSeconds(2), timeout.Token);
            after = (await Runs.GetAsync(id)).LastSeq;
        }
        finally
        {
            await handle.UnsubscribeAsync();
        }

        Assert.True(after > before + 5, $"the run should have gone on committing meanwhile (seq {before} then {after})");
        Assert.Equal(0, Volatile.Read(ref batches));
    }

    [Fact]
    public async Task WatchAsync_from_the_terminal_event_of_an_ended_run_ends_at_once_with_nothing_more()
    {
        var id = $"client-{Guid.NewGuid():N}";
        await Runs.StartAsync(id, "bench", RunJournal.BenchInput(2, 10));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var all = new List<RunEvent>();
        await foreach (var e in Runs.WatchAsync(id, 0, timeout.Token))
        {
            all.Add(e);
        }

        // A service that saw the end and asks again (after a restart, say) must not wait on a run that is over.
        using var soon = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var more = new List<RunEvent>();
        await foreach (var e in Runs.WatchAsync(id, all[^1].Seq, soon.Token))
        {
            more.Add(e);
        }

        Assert.Equal(RunEventTypes.RunSucceeded, all[^1].Type);
        Assert.Empty(more);
    }

    [Fact]
    public async Task WatchAsync_on_a_model_run_yields_the_streamed_text_as_committed_drafts_that_add_up_to_each_model_steps_text()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var id = $"client-{Guid.NewGuid():N}";
        await Runs.StartAsync(id, "voice-agent-builder", """{"request":"A receptionist for the clinic.","documents":["clinic-faq.md"]}""");

        var events = new List<RunEvent>();
        await foreach (var e in Runs.WatchAsync(id, 0, timeout.Token))
        {
            events.Add(e);
            if (e.Type == RunEventTypes.InputRequested)
            {
                break;
            }
        }

        await Runs.CancelAsync(id, "seen enough");

        // Streamed text is part of the record now: numbered like every event, and the same when read again.
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Seq));
        Assert.Contains(events, e => e.Type == RunEventTypes.StepDelta);
        var drafted = new System.Text.StringBuilder();
        var modelSteps = 0;
        foreach (var e in events)
        {
            using var data = System.Text.Json.JsonDocument.Parse(e.Data);
            if (e.Type == RunEventTypes.StepDelta)
            {
                drafted.Append(data.RootElement.GetProperty("text").GetString());
            }
            else if (e.Type == RunEventTypes.StepCompleted && data.RootElement.GetProperty("name").GetString() == "model")
            {
                var text = data.RootElement.GetProperty("result").GetProperty("text").GetString() ?? "";
                Assert.StartsWith(drafted.ToString(), text, StringComparison.Ordinal);
                modelSteps++;
            }

            if (RunEventTypes.EndsDraft(e.Type))
            {
                drafted.Clear();
            }
        }

        Assert.True(modelSteps > 0);
        var again = new List<RunEvent>();
        await foreach (var e in Runs.WatchAsync(id, 0, timeout.Token))
        {
            again.Add(e);
            if (again.Count == events.Count)
            {
                break;
            }
        }

        Assert.Equal(events.Select(e => (e.Seq, e.Type, e.Data)), again.Select(e => (e.Seq, e.Type, e.Data)));
    }

    [Fact]
    public async Task CancelAsync_AndApproveWithNothingPending_BehaveAsTheGrainPromises()
    {
        var id = $"client-{Guid.NewGuid():N}";
        await Runs.StartAsync(id, "bench", RunJournal.BenchInput(3, 30_000));

        var error = await Assert.ThrowsAsync<RunStateException>(() => Runs.ApproveAsync(id));
        var message = await Runs.SendMessageAsync(id, "please hurry");
        var cancelled = await Runs.CancelAsync(id, "no longer needed");
        var listed = await Runs.ListAsync(RunStatus.Cancelled, owner: "billing-service");

        Assert.Contains("not waiting for input", error.Message, StringComparison.Ordinal);
        Assert.Equal(RunStatus.Running, message.Status);
        Assert.Equal(RunStatus.Cancelled, cancelled.Status);
        Assert.Contains(listed, r => r.RunId == id);
    }

    [Fact]
    public async Task ApproveAsync_OnAVoiceAgentBuilderRunWaitingToPublish_RefusesAnotherQuestionsSeq_AndWithItsOwnLetsTheRunFinish()
    {
        // Approves the moment the request shows: this once caught the loop still letting go of the activation
        // (dropping its reminder) when the answer came, which left the run running with no loop.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var id = $"client-{Guid.NewGuid():N}";
        await Runs.StartAsync(id, "voice-agent-builder", """{"request":"A receptionist for the clinic.","documents":["clinic-faq.md","escalation-contacts.md"]}""");

        RunEvent? request = null;
        await foreach (var e in Runs.WatchAsync(id, 0, timeout.Token))
        {
            if (e.Type == RunEventTypes.InputRequested)
            {
                request = e;
                break;
            }
        }

        var waiting = await Runs.GetAsync(id);
        // An answer that names another question (as when someone else answered this one and the run asked again) is refused.
        var stale = await Assert.ThrowsAsync<RunStateException>(() => Runs.ApproveAsync(id, request!.Seq - 1, "not this one"));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Runs.RejectAsync(id, requestSeq: 0));
        var approved = await Runs.ApproveAsync(id, request!.Seq, "go ahead");
        var rest = new List<RunEvent>();
        await foreach (var e in Runs.WatchAsync(id, request!.Seq, timeout.Token))
        {
            rest.Add(e);
        }

        Assert.Equal(RunStatus.WaitingForInput, waiting.Status);
        Assert.Equal("publish_configuration", waiting.WaitingFor?.Tool);
        Assert.Equal(request!.Seq, waiting.WaitingForSeq);
        Assert.Contains($"asked at seq {request.Seq}", stale.Message, StringComparison.Ordinal);
        Assert.NotEqual(RunStatus.WaitingForInput, approved.Status);
        Assert.Equal(RunEventTypes.InputApproved, rest[0].Type);
        Assert.Equal(RunEventTypes.RunSucceeded, rest[^1].Type);
        Assert.Equal(RunStatus.Succeeded, (await Runs.GetAsync(id)).Status);
    }

    [Fact]
    public async Task A_parents_view_lists_its_children_and_a_childs_view_its_parent_and_a_sleeping_runs_view_when_it_wakes()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var parent = $"client-{Guid.NewGuid():N}";
        var sleeper = $"client-{Guid.NewGuid():N}";
        await Runs.StartAsync(parent, "bench", """{"steps":1,"children":2,"childSteps":2,"childStepMs":10}""", timeout.Token);
        var before = DateTimeOffset.UtcNow;
        await Runs.StartAsync(sleeper, "bench", """{"steps":1,"sleepMs":600000}""", timeout.Token);
        await foreach (var _ in Runs.WatchAsync(parent, 0, timeout.Token))
        {
        }

        var parentView = await Runs.GetAsync(parent, timeout.Token);
        var childView = await Runs.GetAsync($"{parent}::0.1", timeout.Token);
        var sleeping = await Runs.GetAsync(sleeper, timeout.Token);
        while (sleeping.SleepingUntil is null)
        {
            await Task.Delay(100, timeout.Token);
            sleeping = await Runs.GetAsync(sleeper, timeout.Token);
        }

        var cancelled = await Runs.CancelAsync(sleeper, "not waiting ten minutes", timeout.Token);

        Assert.Equal(RunStatus.Succeeded, parentView.Status);
        Assert.Null(parentView.Parent);
        Assert.Equal(
            [new ChildRunInfo($"{parent}::0.0", "bench", 0, RunStatus.Succeeded), new ChildRunInfo($"{parent}::0.1", "bench", 0, RunStatus.Succeeded)],
            parentView.Children);
        Assert.Equal(new ParentRun(parent, 0, 1), childView.Parent);
        Assert.Empty(childView.Children);
        Assert.Equal(RunStatus.Running, sleeping.Status);
        Assert.InRange(sleeping.SleepingUntil!.Value, before.AddMinutes(10), DateTimeOffset.UtcNow.AddMinutes(10));
        Assert.Equal(RunStatus.Cancelled, cancelled.Status);
        Assert.Null(cancelled.SleepingUntil);
    }
}
