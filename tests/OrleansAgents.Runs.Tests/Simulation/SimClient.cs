namespace OrleansAgents.Runs.Tests.Simulation;

/// <summary>
/// A client of one run: starts it (retrying), polls it, and at random moments steers it, cancels it, answers
/// what it waits on (retrying with the same idempotency key), sends its start again, and after retention
/// may start a new run under the same ID. Every acknowledged command is checked against the journal at once. Most
/// answers name their question by its seq: the one the client saw open (which may be answered by the time the
/// answer lands: the run refuses it then), or on purpose one it saw earlier; an acknowledged one must have
/// answered exactly the question it named, never the next.
/// </summary>
internal sealed class SimClient(SimCluster cluster, string runId, string kinds)
{
    private readonly List<long> _questions = [];
    private int _keys;

    public string RunId => runId;

    public bool Done { get; private set; }

    /// <summary>The latest start was acknowledged: the run must end.</summary>
    public bool Accepted { get; private set; }

    private SimDatabase Db => cluster.Db;

    private Random Random => cluster.Scheduler.Random;

    private StartRunRequest Request => new("sim", $$"""{"kinds":"{{kinds}}"}""", "owner");

    public async Task RunAsync()
    {
        try
        {
            if (!await StartAsync())
            {
                return;
            }

            var cancelled = false;
            var restarted = false;
            while (true)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Next(20, 300)), cluster.Scheduler.Clock);
                RunSnapshot run;
                try
                {
                    run = await cluster.CallAsync(runId, engine => Task.FromResult(engine.GetStatus()), interleave: true);
                }
                catch (RunNotFoundException)
                {
                    // Removed by retention: the same start request again is a new run.
                    if (!restarted && Random.Next(100) < 50)
                    {
                        restarted = true;
                        Db.Note($"{runId} client starts it again after retention");
                        if (await StartAsync())
                        {
                            continue;
                        }
                    }

                    return;
                }
                catch (Exception)
                {
                    continue; // an activation died under the call, or the database is down: ask again
                }

                if (run.Status.IsTerminal())
                {
                    if (await AfterEndAsync(run))
                    {
                        continue; // retention had removed it: the start made a new run, to follow to its end
                    }

                    if (restarted || Random.Next(100) >= 30)
                    {
                        return;
                    }

                    await Task.Delay(cluster.Options.Retention + TimeSpan.FromSeconds(3), cluster.Scheduler.Clock);
                    continue;
                }

                var roll = Random.Next(100);
                if (!cancelled && roll < 3)
                {
                    cancelled = true;
                    await CommandAsync("cancel", null, engine => engine.CancelAsync("the simulated client cancels"));
                }
                else if (roll < 10)
                {
                    var key = NewKey();
                    await CommandAsync("steer", key, engine => engine.SteerAsync($"message {key}", key));
                }
                else if (run.Status == RunStatus.WaitingForInput)
                {
                    var approve = Random.Next(100) < 80;
                    var key = NewKey();
                    var asked = NameQuestion(run.WaitingForSeq!.Value);
                    await CommandAsync(approve ? "approve" : "reject", key, engine => engine.AnswerAsync(approve, approve ? "ok" : "no", key, asked), asked);
                }
            }
        }
        finally
        {
            Done = true;
        }
    }

    private async Task<bool> StartAsync()
    {
        for (var attempt = 0; attempt < 30; attempt++)
        {
            try
            {
                await cluster.CallAsync(runId, engine => engine.StartAsync(Request));
                Accepted = true;
                return true;
            }
            catch (Exception)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Next(50, 400)), cluster.Scheduler.Clock);
            }
        }

        Accepted = false;
        return false;
    }

    /// <summary>
    /// A finished run: sending its start request again returns it, unchanged; unless retention removed it
    /// meanwhile, when it is a new run (true).
    /// </summary>
    private async Task<bool> AfterEndAsync(RunSnapshot ended)
    {
        if (Random.Next(100) >= 30)
        {
            return false;
        }

        try
        {
            var again = await cluster.CallAsync(runId, engine => engine.StartAsync(Request));
            if (again.CreatedAt != ended.CreatedAt)
            {
                Db.Note($"{runId} a retried start is a new run (started again after retention)");
                return true;
            }

            if (again.Status != ended.Status)
            {
                Db.Violations.Add($"{runId}: a retried start of the finished run changed it from {ended.Status} to {again.Status}");
            }
        }
        catch (Exception)
        {
            // Not answered: nothing to check.
        }

        return false;
    }

    /// <summary>
    /// The question an answer names: mostly the one seen open (<paramref name="open"/>), sometimes one seen earlier
    /// (stale on purpose: answered, so it must be refused) or none (whatever is open when it lands).
    /// </summary>
    private long? NameQuestion(long open)
    {
        if (!_questions.Contains(open))
        {
            _questions.Add(open);
        }

        var roll = Random.Next(100);
        return roll switch
        {
            < 55 => open,
            < 80 when _questions.Count > 1 => _questions[Random.Next(_questions.Count - 1)],
            < 80 => open - 1,
            _ => null,
        };
    }

    /// <summary>Sends a command, retrying with the same key while unanswered, and checks an acknowledgement against the journal.</summary>
    private async Task CommandAsync(string command, string? key, Func<Runs.Engine.RunEngine, Task<RunSnapshot>> call, long? asked = null)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                await cluster.CallAsync(runId, call);
            }
            catch (RunStateException)
            {
                return; // refused (the run ended, or waits on nothing): nothing promised
            }
            catch (RunConflictException ex)
            {
                Db.Violations.Add($"{runId}: {command} with key {key} was refused as a reused key: {ex.Message}");
                return;
            }
            catch (Exception)
            {
                if (key is null)
                {
                    return;
                }

                continue; // unanswered: send it again with the same key
            }

            Db.Note($"{runId} {command} {key}{(asked is null ? "" : $" of the question at seq {asked}")} acknowledged");
            CheckAcknowledged(command, key, asked);
            return;
        }
    }

    private void CheckAcknowledged(string command, string? key, long? asked)
    {
        var journal = Db.Journal(runId);
        if (command == "cancel")
        {
            if (journal.Count == 0 || !RunEventTypes.IsTerminal(journal[^1].Type))
            {
                Db.Violations.Add($"{runId}: a cancel was acknowledged but the journal has no terminal event");
            }

            return;
        }

        var type = command switch
        {
            "steer" => RunEventTypes.InputMessage,
            "approve" => RunEventTypes.InputApproved,
            _ => RunEventTypes.InputRejected,
        };
        var recorded = journal.Count(e => e.Type == type && EventDraft.FromStored(e).Key == key);
        if (recorded != 1)
        {
            Db.Violations.Add($"{runId}: {command} with key {key} was acknowledged and is in the journal {recorded} times");
            return;
        }

        if (asked is { } named)
        {
            // It answered the question it named: the last one asked before it.
            var answered = 0L;
            foreach (var e in journal)
            {
                if (e.Type == type && EventDraft.FromStored(e).Key == key)
                {
                    break;
                }

                answered = e.Type == RunEventTypes.InputRequested ? e.Seq : answered;
            }

            if (answered != named)
            {
                Db.Violations.Add($"{runId}: {command} with key {key} named the question at seq {named} and was applied to the question at seq {answered}");
            }
        }
    }

    private string NewKey() => $"{runId}-k{++_keys}";
}
