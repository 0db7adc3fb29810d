using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using OrleansAgents.Journal;
using OrleansAgents.Runs;
using OrleansAgents.Testing;

namespace OrleansAgents.Runtime.Tests;

/// <summary>
/// The journal spread over two PostgreSQL databases by configuration alone (<c>ConnectionStrings:JournalShards</c>):
/// real workers and a front end; each run's journal on the server its ID hashes to, recovery after a SIGKILL
/// finding the dead worker's runs on both, and the run list merging both.
/// </summary>
public sealed class JournalShardsTests(PostgresFixture postgres, ITestOutputHelper output) : IAsyncLifetime
{
    private const int Runs = 16;
    private const int Steps = 20;
    private AgentsCluster? _cluster;

    private AgentsCluster Cluster => _cluster!;

    public async ValueTask InitializeAsync() => _cluster = await AgentsCluster.StartAsync(postgres.Server, workers: 2, frontEnd: true, journalShards: 2);

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task Runs_spread_over_two_journal_servers_complete_through_a_worker_kill_and_list_as_one()
    {
        using var http = new HttpClient { BaseAddress = Cluster.FrontEndAddress, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "dev-user-1");
        var ids = Enumerable.Range(0, Runs).Select(i => $"shard-{i}-{Guid.NewGuid():N}").ToList();
        foreach (var id in ids)
        {
            using var started = await http.PostAsync("/api/runs", new StringContent(
                $$$"""{"agent":"bench","runId":"{{{id}}}","input":{"steps":{{{Steps}}},"stepMs":100}}""", Encoding.UTF8, "application/json"));
            Assert.True(started.IsSuccessStatusCode, await started.Content.ReadAsStringAsync());
        }

        await Task.Delay(800);
        var victim = await PickVictimAsync(ids);
        var killedAt = DateTimeOffset.UtcNow;
        victim.Kill();
        output.WriteLine($"killed {victim.Name} at {killedAt:O}");

        foreach (var id in ids)
        {
            var done = await RunJournal.WaitForTerminalAsync(Cluster, id, TimeSpan.FromSeconds(90));
            Assert.Equal(RunStatus.Succeeded, done.Status);
        }

        var onShard = new int[2];
        foreach (var id in ids)
        {
            var shard = RunDataSources.ShardOf(id, 2);
            onShard[shard]++;
            var events = await RunJournal.ReadEventsAsync(Cluster.JournalShards[shard], id);
            RunJournal.AssertWellFormed(events, Steps, RunEventTypes.RunSucceeded);
            Assert.Equal(0, await RunJournal.CountAsync(Cluster.JournalShards[1 - shard], "SELECT count(*) FROM oa_run_events WHERE run_id = $1", id));
        }

        Assert.All(onShard, count => Assert.True(count > 0, $"runs per shard: {string.Join(", ", onShard)}"));
        Assert.Equal(0, await RunJournal.CountAsync(Cluster.DataSource, "SELECT count(*) FROM oa_run_events"));
        Assert.True(await RunJournal.CountAsync(Cluster.JournalShards[0], "SELECT count(*) FROM oa_run_events WHERE type = 'run.resumed'")
            + await RunJournal.CountAsync(Cluster.JournalShards[1], "SELECT count(*) FROM oa_run_events WHERE type = 'run.resumed'") > 0, "no run resumed after the kill");

        // The run list, page by page (5 per page), is every run once, newest first, across both servers.
        var listed = new List<(string Id, DateTimeOffset Created)>();
        string? cursor = null;
        do
        {
            var page = await http.GetFromJsonAsync<JsonElement>($"/api/runs?limit=5{(cursor is null ? "" : $"&cursor={cursor}")}");
            listed.AddRange(page.GetProperty("items").EnumerateArray().Select(r => (r.GetProperty("runId").GetString()!, r.GetProperty("createdAt").GetDateTimeOffset())));
            cursor = page.TryGetProperty("nextCursor", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
        }
        while (cursor is not null);

        Assert.Equal(ids.Order(StringComparer.Ordinal), listed.Select(r => r.Id).Order(StringComparer.Ordinal));
        Assert.Equal(listed.Select(r => r.Created).OrderByDescending(c => c), listed.Select(r => r.Created));
    }

    private async Task<SiloProcess> PickVictimAsync(List<string> ids)
    {
        var silos = new List<string>();
        foreach (var shard in Cluster.JournalShards)
        {
            await using var command = shard.CreateCommand("SELECT silo FROM oa_runs WHERE run_id = ANY($1) AND status = 'running' AND silo IS NOT NULL");
            command.Parameters.AddWithValue(ids.ToArray());
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                silos.Add(reader.GetString(0));
            }
        }

        var busiest = silos.GroupBy(s => s).MaxBy(g => g.Count())?.Key ?? throw new InvalidOperationException("every run finished before the kill");
        return Cluster.Silos.Single(s => busiest.Contains($":{s.SiloPort}@", StringComparison.Ordinal));
    }
}
