using System.Diagnostics;
using System.Net.WebSockets;
using System.Text.Json;
using Npgsql;

namespace OrleansAgents.Bench;

/// <summary>
/// Failure drills against the local cluster, driven through deploy/local/cluster.sh. Each is bounded in
/// time and checks the journal's promises from PostgreSQL: every run succeeded, every run's events are
/// 1..N with no gap, no step committed twice.
/// </summary>
internal sealed class Drills(Harness harness, NpgsqlDataSource db, BenchSettings settings)
{
    private readonly ClusterScript _script = new(settings);

    public async Task<WorkloadResult> PostgresOutageAsync()
    {
        var ids = await harness.StartRunsAsync("drill-pg", 100, 30, 100);
        await Task.Delay(TimeSpan.FromSeconds(1));
        await ClusterAsync("pg-stop");
        var down = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(10));
        await ClusterAsync("pg-start");
        var outage = down.Elapsed.TotalSeconds;
        var back = Stopwatch.StartNew();
        await harness.WaitAllTerminalAsync(ids, TimeSpan.FromMinutes(3));
        var result = await CheckAsync("D-PG", ids);
        result.Figures["outage_s"] = outage;
        result.Figures["back_to_all_complete_s"] = back.Elapsed.TotalSeconds;
        result.Figures["silos_running"] = await ClusterStatusRunningAsync();
        return result;
    }

    public async Task<WorkloadResult> FrontEndKillAsync()
    {
        var ids = await harness.StartRunsAsync("drill-fe", 20, 40, 100, owner: "user-1");
        var watchers = ids.Select(FollowAsync).ToList();
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        await ClusterAsync("kill", "frontend");
        await ClusterAsync("start", "frontend");
        var seen = await Task.WhenAll(watchers);
        var result = await CheckAsync("D-FRONTEND", ids);
        result.Figures["clients"] = ids.Count;
        result.Figures["clients_missing_or_duplicate"] = seen.Count(s => !s);
        return result;
    }

    /// <summary>Follows a run over WebSocket, reconnecting with ?after= until it ends; true when every event came once, in order.</summary>
    private async Task<bool> FollowAsync(string runId)
    {
        long last = 0;
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromMinutes(2))
        {
            try
            {
                using var socket = new ClientWebSocket();
                socket.Options.SetRequestHeader("Authorization", $"Bearer {settings.ApiKey}");
                var uri = new UriBuilder(settings.FrontEnd) { Scheme = "ws", Path = $"/api/runs/{runId}/ws", Query = $"after={last}" }.Uri;
                await socket.ConnectAsync(uri, CancellationToken.None);
                var buffer = new byte[64 * 1024];
                while (true)
                {
                    using var message = new MemoryStream();
                    WebSocketReceiveResult received;
                    do
                    {
                        received = await socket.ReceiveAsync(buffer, CancellationToken.None);
                        message.Write(buffer, 0, received.Count);
                    }
                    while (!received.EndOfMessage);

                    if (received.MessageType == WebSocketMessageType.Close)
                    {
                        return true;
                    }

                    using var doc = JsonDocument.Parse(message.ToArray());
                    var seq = doc.RootElement.GetProperty("seq").GetInt64();
                    if (seq != last + 1)
                    {
                        return false;
                    }

                    last = seq;
                }
            }
            catch (Exception ex) when (ex is WebSocketException or HttpRequestException or IOException)
            {
                await Task.Delay(250);
            }
        }

        return false;
    }

    /// <summary>Every run succeeded, its events are 1..N, no step committed twice: the journal's promises, from PostgreSQL.</summary>
    public async Task<WorkloadResult> CheckAsync(string name, List<string> ids)
    {
        var result = new WorkloadResult(name);
        await using var command = db.CreateCommand(
            """
            SELECT count(*) FILTER (WHERE r.status <> 'succeeded'),
                   count(*) FILTER (WHERE e.n <> e.max_seq OR e.min_seq <> 1),
                   (SELECT count(*) FROM (SELECT run_id, data->>'step' FROM oa_run_events
                                           WHERE run_id = ANY($1) AND type = 'step.completed'
                                           GROUP BY 1, 2 HAVING count(*) > 1) d)
              FROM oa_runs r
              JOIN (SELECT run_id, count(*) n, min(seq) min_seq, max(seq) max_seq FROM oa_run_events WHERE run_id = ANY($1) GROUP BY run_id) e
                ON e.run_id = r.run_id
             WHERE r.run_id = ANY($1)
            """);
        command.Parameters.AddWithValue(ids.ToArray());
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        result.Figures["workflows"] = ids.Count;
        result.Figures["not_succeeded"] = reader.GetInt64(0);
        result.Figures["runs_with_gaps"] = reader.GetInt64(1);
        result.Figures["duplicates"] = reader.GetInt64(2);
        return result;
    }

    private async Task<int> ClusterStatusRunningAsync()
    {
        var output = await ClusterAsync("status");
        return output.Split('\n').Count(l => l.Contains("running (pid", StringComparison.Ordinal) && !l.Contains("postgres", StringComparison.Ordinal));
    }

    private Task<string> ClusterAsync(params string[] args) => _script.RunAsync(args);
}
