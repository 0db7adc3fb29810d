using System.Text.Json;

namespace OrleansAgents.Testing.Soak;

/// <summary>
/// Plays one run's script over the front end's API, as a user's client would: start (with the run's ID,
/// so a start sent again is the same run), steer, answer questions after a person's delay, cancel at the
/// script's moment, and follow the status until the run ends. Records what the API acknowledged.
/// </summary>
public sealed class SoakDriver(SoakHttp http, SoakRecord record)
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(700);

    public async Task RunAsync(SoakScript script, Action accepted, CancellationToken stop)
    {
        var run = new SoakRun(script);
        record.Runs[script.RunId] = run;
        var input = script.Agent == SoakScript.Bench
            ? $$"""{"steps":{{script.Steps}},"stepMs":{{script.StepMs}},"bytes":{{script.Bytes}}}"""
            : """{"request":"A receptionist for our dental clinic.","documents":["clinic-faq.md","escalation-contacts.md"]}""";
        var start = await http.SendAsync(script.ApiKey, HttpMethod.Post, "/api/runs",
            $$"""{"agent":"{{script.Agent}}","runId":"{{script.RunId}}","input":{{input}}}""", cancellationToken: stop);
        if (start is not { Status: 202 })
        {
            record.Violation("start not accepted", $"{script.RunId}: {start?.Status.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "never answered"} {start?.Body}");
            return;
        }

        run.Accepted = true;
        accepted();
        var started = DateTimeOffset.UtcNow;
        var steers = new Queue<TimeSpan>(script.SteerAt);
        var answers = 0;
        var status = start.RunStatus;
        while (!SoakAnswer.IsTerminal(status) && !stop.IsCancellationRequested)
        {
            var elapsed = DateTimeOffset.UtcNow - started;
            if (script.CancelAfter is { } cancelAfter && !run.CancelSent && elapsed >= cancelAfter)
            {
                await CancelAsync(run);
            }
            else if (steers.TryPeek(out var steerAt) && elapsed >= steerAt)
            {
                steers.Dequeue();
                await CommandAsync(run, "message", $"{script.RunId}-steer-{steers.Count}", """{"kind":"message","message":"Keep the greeting under ten seconds."}""");
            }

            var answer = await http.SendAsync(script.ApiKey, HttpMethod.Get, $"/api/runs/{script.RunId}", cancellationToken: stop);
            status = answer?.RunStatus ?? status;
            run.LastStatus = status;
            if (status == "waitingForInput" && answer!.Body.TryGetProperty("waitingFor", out var waiting) && waiting.ValueKind == JsonValueKind.Object)
            {
                var step = waiting.GetProperty("step").GetInt32();
                var kind = waiting.GetProperty("kind").GetString();
                // A new key per question: the run answers 202 only once it has committed the answer, so a read after
                // that shows the next question, never this one again.
                var key = $"{script.RunId}-answer-{step}-{kind}-{answers++}";
                await Task.Delay(script.AnswerDelay, stop).ContinueWith(_ => { }, TaskScheduler.Default);
                var approve = kind == "approval" ? !script.RejectPublish : script.RunAgainWhenUnknown;
                await CommandAsync(run, approve ? "approve" : "reject", key,
                    approve ? """{"kind":"approve","comment":"soak"}""" : """{"kind":"reject","reason":"soak"}""");
                continue;
            }

            await Task.Delay(Poll, stop).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private async Task CancelAsync(SoakRun run)
    {
        run.CancelSent = true;
        var answer = await http.SendAsync(run.Script.ApiKey, HttpMethod.Post, $"/api/runs/{run.Id}/cancel");
        if (answer is { Status: 202 } && !SoakAnswer.IsTerminal(answer.RunStatus) || answer?.RunStatus == "cancelled")
        {
            run.CancelAcknowledged = true;
        }
    }

    /// <summary>A steer message or a decision, with its idempotency key; 202 means the run must carry it out.</summary>
    private async Task CommandAsync(SoakRun run, string kind, string key, string body)
    {
        var answer = await http.SendAsync(run.Script.ApiKey, HttpMethod.Post, $"/api/runs/{run.Id}/input", body, key);
        if (answer is { Status: 202 })
        {
            run.Acknowledged[key] = kind;
        }
        else if (answer is null || answer.Status is not 409)
        {
            // 409: the run is not waiting for that any more (it ended, or another answer won): not acknowledged.
            record.Violation("command refused", $"{run.Id} {kind}: {answer?.Status.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "never answered"} {answer?.Body}");
        }
    }
}
