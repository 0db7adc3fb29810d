using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace OrleansAgents.Bench;

/// <summary>
/// A rolling deploy that changes agent definitions, under load: voice-agent-builder runs waiting for approval
/// and bench runs running, every run watched over HTTP, every worker restarted one at a time with a new bench
/// version and a new voice-agent-builder definition (MaxSteps), then the waiting runs approved. With
/// <c>keepOld</c>, the last worker with the old definitions stays up that long first: the runs of the
/// restarted workers must resume on it, with their version. Counts every HTTP 5xx a client saw.
/// </summary>
internal sealed class DeployDrill(Harness harness, Drills drills, BenchSettings settings)
{
    private const int VoiceRuns = 6;
    private const int BenchRuns = 60;
    private const string VoiceInput = """{"request":"A receptionist for our dental clinic.","documents":["clinic-faq.md","escalation-contacts.md"]}""";

    private readonly ClusterScript _cluster = new(settings);
    private int _responses;
    private int _serverErrors;
    private int _unavailable;

    public async Task<WorkloadResult> RunAsync(string name, TimeSpan keepOld)
    {
        using var http = new HttpClient { BaseAddress = settings.FrontEnd, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", settings.ApiKey);
        var stamp = DateTime.UtcNow.ToString("HHmmss", System.Globalization.CultureInfo.InvariantCulture);
        var changed = new Dictionary<string, string>
        {
            ["OrleansAgents__Agents__Bench__Version"] = $"deploy-{stamp}",
            ["OrleansAgents__Agents__VoiceAgentBuilder__MaxSteps"] = (41 + (DateTime.UtcNow.Second % 9)).ToString(System.Globalization.CultureInfo.InvariantCulture),
        };

        // Runs waiting for a person, and runs running.
        var voice = Enumerable.Range(0, VoiceRuns).Select(i => $"{name.ToLowerInvariant()}-vab-{i}-{Guid.NewGuid():N}").ToList();
        foreach (var id in voice)
        {
            using var start = await SendAsync(http, HttpMethod.Post, "/api/runs", $$$"""{"agent":"voice-agent-builder","runId":"{{{id}}}","input":{{{VoiceInput}}}}""");
        }

        await WaitForStatusAsync(http, voice, "waitingForInput", TimeSpan.FromMinutes(2));
        var bench = await harness.StartRunsAsync(name.ToLowerInvariant(), BenchRuns, 120, 250, owner: "user-1"); // 30 s: in flight through the deploy
        var all = voice.Concat(bench).ToList();
        using var watching = new CancellationTokenSource();
        var watchers = Task.WhenAll(all.Select(id => WatchAsync(http, id, watching.Token)));
        await Task.Delay(TimeSpan.FromSeconds(1));

        // The deploy: worker-2, then (after keepOld) worker-1, each restarted with the changed definitions.
        var started = Stopwatch.StartNew();
        var window = DateTimeOffset.UtcNow;
        await _cluster.RunAsync(changed, "restart", "worker-2");
        await Task.Delay(keepOld > TimeSpan.Zero ? keepOld : TimeSpan.FromSeconds(3));
        var windowEnd = DateTimeOffset.UtcNow;
        await _cluster.RunAsync(changed, "restart", "worker-1");
        var restarts = started.Elapsed.TotalSeconds;
        await Task.Delay(TimeSpan.FromSeconds(3));

        foreach (var id in voice)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/runs/{id}/input") { Content = Json("""{"kind":"approve","comment":"after the deploy"}""") };
            request.Headers.Add("Idempotency-Key", $"drill-approve-{id}");
            using var approve = await SendRetryingAsync(http, request);
        }

        await harness.WaitAllTerminalAsync(all, TimeSpan.FromMinutes(4));
        await watching.CancelAsync();
        await watchers;

        var result = await drills.CheckAsync(name, all);
        result.Figures["restart_s"] = restarts;
        result.Figures["keep_old_s"] = keepOld.TotalSeconds;
        result.Figures["waiting_for_approval"] = VoiceRuns;
        result.Figures["upgraded_runs"] = await CountAsync("SELECT count(DISTINCT run_id) FROM oa_run_events WHERE run_id = ANY($1) AND type = 'run.upgraded'", all);
        result.Figures["voice_upgraded"] = await CountAsync("SELECT count(DISTINCT run_id) FROM oa_run_events WHERE run_id = ANY($1) AND type = 'run.upgraded'", voice);
        if (keepOld > TimeSpan.Zero)
        {
            // While worker-1 kept the old definitions, the restarted worker's runs resumed there, not on worker-2.
            var resumed = $"SELECT count(*) FROM oa_run_events WHERE run_id = ANY($1) AND type = 'run.resumed' AND at >= $2 AND at < $3 AND data->>'silo' LIKE $4";
            result.Figures["resumed_in_window_on_old_version"] = await CountAsync(resumed, bench, window, windowEnd, "%:11111@%");
            result.Figures["resumed_in_window_on_new_version"] = await CountAsync(resumed, bench, window, windowEnd, "%:11112@%");
        }

        result.Figures["http_responses"] = _responses;
        result.Figures["http_5xx"] = _serverErrors;
        result.Figures["http_503"] = _unavailable;
        return result;
    }

    /// <summary>A client polling the run until it ends, counting what it is answered.</summary>
    private async Task WatchAsync(HttpClient http, string id, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using var response = await SendAsync(http, HttpMethod.Get, $"/api/runs/{id}", null);
                if (response.IsSuccessStatusCode
                    && (await response.Content.ReadFromJsonAsync<JsonElement>(CancellationToken.None)).GetProperty("status").GetString() is "succeeded" or "failed" or "cancelled")
                {
                    return;
                }

                await Task.Delay(300, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task WaitForStatusAsync(HttpClient http, List<string> ids, string status, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        foreach (var id in ids)
        {
            while (true)
            {
                using var response = await SendAsync(http, HttpMethod.Get, $"/api/runs/{id}", null);
                if (response.IsSuccessStatusCode && (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString() == status)
                {
                    break;
                }

                if (deadline.Elapsed > timeout)
                {
                    throw new TimeoutException($"run {id} never became {status}");
                }

                await Task.Delay(200);
            }
        }
    }

    private Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, string path, string? body) =>
        CountAsync(http.SendAsync(new HttpRequestMessage(method, path) { Content = body is null ? null : Json(body) }));

    /// <summary>As a client library does: a 503 is sent again after its Retry-After.</summary>
    private async Task<HttpResponseMessage> SendRetryingAsync(HttpClient http, HttpRequestMessage request)
    {
        var content = await request.Content!.ReadAsStringAsync();
        for (var attempt = 0; ; attempt++)
        {
            using var copy = new HttpRequestMessage(request.Method, request.RequestUri) { Content = Json(content) };
            foreach (var (header, values) in request.Headers)
            {
                copy.Headers.TryAddWithoutValidation(header, values);
            }

            var response = await CountAsync(http.SendAsync(copy));
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable || attempt == 30)
            {
                return response;
            }

            response.Dispose();
            await Task.Delay(TimeSpan.FromSeconds(2));
        }
    }

    private async Task<HttpResponseMessage> CountAsync(Task<HttpResponseMessage> sending)
    {
        var response = await sending;
        Interlocked.Increment(ref _responses);
        if ((int)response.StatusCode >= 500)
        {
            Interlocked.Increment(ref _serverErrors);
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                Interlocked.Increment(ref _unavailable);
            }

            Console.Error.WriteLine($"drill: {(int)response.StatusCode} for {response.RequestMessage?.RequestUri}");
        }

        return response;
    }

    private async Task<long> CountAsync(string sql, List<string> ids, params object[] more)
    {
        await using var command = harness.Database.CreateCommand(sql);
        command.Parameters.AddWithValue(ids.ToArray());
        foreach (var parameter in more)
        {
            command.Parameters.AddWithValue(parameter);
        }

        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
