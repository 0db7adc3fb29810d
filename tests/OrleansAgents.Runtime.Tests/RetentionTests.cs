using OrleansAgents.Runs;
using OrleansAgents.Testing;

namespace OrleansAgents.Runtime.Tests;

/// <summary>Retention removes a finished run whole: nothing of it is left to read, resume or execute again.</summary>
public sealed class RetentionTests(PostgresFixture postgres, ITestOutputHelper output) : IAsyncLifetime
{
    private const string Input = """
        {"request":"A phone receptionist for our dental clinic.","documents":["clinic-faq.md","escalation-contacts.md"]}
        """;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private AgentsCluster? _cluster;

    private AgentsCluster Cluster => _cluster!;

    public async ValueTask InitializeAsync() => _cluster = await AgentsCluster.StartAsync(postgres.Server, workers: 2, settings: new Dictionary<string, string>
    {
        ["OrleansAgents__Retention__FinishedRuns"] = "00:00:02",
        ["OrleansAgents__Retention__SweepPeriod"] = "00:00:01",
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
    public async Task AnExpiredRun_Reads404_LeavesNoRows_AndItsRetriedStartIsANewRunThatRepeatsNoneOfItsSideEffects()
    {
        var id = $"kept-{Guid.NewGuid():N}";
        var request = new StartRunRequest("voice-agent-builder", Input, "user-1");
        var first = await RunToSuccessAsync(id, request);
        var oldKeys = await NotificationKeysAsync(id);
        Assert.NotEmpty(oldKeys);

        // Gone: every read is a 404, and no table keeps anything of it.
        await WaitUntilUnknownAsync(id, TimeSpan.FromSeconds(30));
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM oa_run_events WHERE run_id = $1", id));
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM oa_runs WHERE run_id = $1", id));
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM oa_step_executions WHERE run_id = $1", id));
        Assert.Equal(0, await CountAsync(
            "SELECT count(*) FROM orleansstorage WHERE grainidextensionstring = $1 OR grainidextensionstring LIKE '%/' || $1", id));
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM orleansreminderstable WHERE grainid LIKE '%' || $1", id));

        // Every worker restarts; a client retries its old start request.
        foreach (var silo in Cluster.Silos)
        {
            await silo.StopAsync(TimeSpan.FromSeconds(30));
            silo.Start();
            await Cluster.WaitForActiveSilosAsync(Cluster.Silos.Count, TimeSpan.FromSeconds(60));
        }

        var retried = await RunToSuccessAsync(id, request);

        Assert.True(retried.CreatedAt > first.CreatedAt, "the retried start is a new run");
        var keys = await NotificationKeysAsync(id);
        output.WriteLine($"old keys {string.Join(", ", oldKeys)}; now {string.Join(", ", keys)}");
        // The old run's side effects happened once: none of its idempotency keys was used again.
        foreach (var key in oldKeys)
        {
            Assert.Equal(1, keys.Count(k => k == key));
        }

        Assert.Equal(oldKeys.Count * 2, keys.Count);
        var events = await RunJournal.ReadEventsAsync(Cluster, id);
        Assert.Single(events, e => e.Type == RunEventTypes.RunStarted);
        Assert.DoesNotContain(events, e => e.Data.Contains(oldKeys[0], StringComparison.Ordinal));
    }

    private async Task<RunSnapshot> RunToSuccessAsync(string id, StartRunRequest request)
    {
        var grain = Cluster.Client.GetGrain<IAgentRunGrain>(id);
        var accepted = await grain.StartAsync(request);
        await WaitForAsync(async () => (await grain.GetStatusAsync()).Status == RunStatus.WaitingForInput, "waiting for approval");
        await grain.ApproveAsync("ship it");
        var done = await RunJournal.WaitForTerminalAsync(Cluster, id, Patience);
        Assert.Equal(RunStatus.Succeeded, done.Status);
        return accepted;
    }

    private async Task WaitUntilUnknownAsync(string id, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            try
            {
                var status = await Cluster.Client.GetGrain<IAgentRunGrain>(id).GetStatusAsync();
                output.WriteLine($"still there: {status.Status}, lastSeq {status.LastSeq}");
            }
            catch (RunNotFoundException)
            {
                return;
            }

            if (cts.IsCancellationRequested)
            {
                throw new TimeoutException($"Run {id} was not removed by retention in {timeout}. Logs: {Cluster.LogDirectory}");
            }

            await Task.Delay(500);
        }
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        using var cts = new CancellationTokenSource(Patience);
        while (!await condition())
        {
            if (cts.IsCancellationRequested)
            {
                throw new TimeoutException($"Timed out {what}.");
            }

            await Task.Delay(100);
        }
    }

    private async Task<List<string>> NotificationKeysAsync(string id)
    {
        await using var command = Cluster.DataSource.CreateCommand(
            "SELECT idempotency_key FROM oa_notifications WHERE run_id = $1 UNION ALL SELECT idempotency_key FROM oa_published_configurations WHERE run_id = $1");
        command.Parameters.AddWithValue(id);
        var keys = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            keys.Add(reader.GetString(0));
        }

        return keys;
    }

    private Task<long> CountAsync(string sql, string id) => RunJournal.CountAsync(Cluster, sql, id);
}
