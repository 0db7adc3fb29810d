using System.Text.Json;
using OrleansAgents.Runs.Core;

namespace OrleansAgents.Runs.Tests.Simulation;

/// <summary>The run core's promises, checked after a schedule against what the simulated database and world witnessed.</summary>
internal static class SimChecks
{
    public static List<string> Check(SimCluster cluster, IReadOnlyList<SimClient> clients)
    {
        var db = cluster.Db;
        var violations = new List<string>(db.Violations);
        violations.AddRange(cluster.Scheduler.Crashes.Select(ex => $"a turn crashed: {ex.GetType().Name}: {ex.Message}"));
        foreach (var (runId, journal, deletedAt) in db.Archive)
        {
            CheckJournal(cluster, runId, journal, deletedAt, violations);
        }

        foreach (var (runId, journal) in db.Journals)
        {
            CheckJournal(cluster, runId, journal, long.MaxValue, violations);
        }

        foreach (var client in clients)
        {
            // Liveness: a run that has a journal ends once faults stop, acknowledged or not, unless it waits for
            // a person (a lost cancel, a stuck loop, a run nobody recovers shows here).
            if (db.Journals.TryGetValue(client.RunId, out var journal) && !RunEventTypes.IsTerminal(journal[^1].Event.Type)
                && !RunState.Replay(journal.Select(e => e.Event)).IsWaiting)
            {
                violations.Add($"{client.RunId}: did not end; last event {journal[^1].Event.Seq} {journal[^1].Event.Type}");
            }
        }

        return violations;
    }

    private static void CheckJournal(SimCluster cluster, string runId, List<(RunEvent Event, long Order)> journal, long deletedAt, List<string> violations)
    {
        var events = journal.Select(e => e.Event).ToList();
        void Fail(string what) => violations.Add($"{runId}: {what}");

        for (var i = 0; i < events.Count; i++)
        {
            if (events[i].Seq != i + 1)
            {
                Fail($"seq {events[i].Seq} at position {i + 1}: the journal has a gap or a duplicate");
                return;
            }
        }

        if (events[0].Type != RunEventTypes.RunStarted)
        {
            Fail($"the journal starts with {events[0].Type}");
        }

        // A timer never fires before its time (unless a message woke it), and each sleep starts and fires once.
        foreach (var fired in events.Where(e => e.Type == RunEventTypes.TimerFired))
        {
            using var data = System.Text.Json.JsonDocument.Parse(fired.Data);
            var root = data.RootElement;
            if (!root.GetProperty("early").GetBoolean() && root.GetProperty("firedAt").GetDateTimeOffset() < root.GetProperty("until").GetDateTimeOffset())
            {
                Fail($"seq {fired.Seq}: the timer fired at {root.GetProperty("firedAt")} before its time {root.GetProperty("until")}");
            }
        }

        foreach (var sleep in events.Where(e => e.Type is RunEventTypes.TimerStarted or RunEventTypes.TimerFired).GroupBy(e => (e.Type, Step(e))).Where(g => g.Count() > 1))
        {
            Fail($"step {sleep.Key.Item2}: {sleep.Count()} {sleep.Key.Type} events");
        }

        var completed = events.Where(e => e.Type == RunEventTypes.StepCompleted).Select(Step).ToList();
        if (!completed.SequenceEqual(Enumerable.Range(0, completed.Count)))
        {
            Fail($"steps committed as [{string.Join(",", completed)}]: a step committed twice or out of order");
        }

        var terminals = events.Count(e => RunEventTypes.IsTerminal(e.Type));
        if (terminals > 1 || (terminals == 1 && !RunEventTypes.IsTerminal(events[^1].Type)))
        {
            Fail($"{terminals} terminal events, the last event is {events[^1].Type}");
        }

        // Each attempt's drafts are its streamed text in order, once: no piece lost between two, none twice.
        var drafted = new System.Text.StringBuilder();
        foreach (var e in events)
        {
            if (e.Type == RunEventTypes.StepDelta)
            {
                using var doc = JsonDocument.Parse(e.Data);
                drafted.Append(doc.RootElement.GetProperty("text").GetString());
                var expected = SimAgent.StreamedText(doc.RootElement.GetProperty("step").GetInt32());
                if (!expected.StartsWith(drafted.ToString(), StringComparison.Ordinal))
                {
                    Fail($"seq {e.Seq}: the attempt's drafts read \"{drafted}\", not a beginning of its text \"{expected}\"");
                    break;
                }
            }
            else if (RunEventTypes.EndsDraft(e.Type))
            {
                drafted.Clear();
            }
        }

        var replayed = RunState.Replay(RunState.Empty with { Memory = SimMemory.Empty }, events);

        // The agent's memory, carried through snapshots, reloads and resumes, saw each committed result once, in order.
        if (events[^1].Type == RunEventTypes.RunSucceeded)
        {
            var journalSeen = string.Concat(events.Where(e => e.Type == RunEventTypes.StepCompleted).Select(e =>
            {
                using var doc = JsonDocument.Parse(e.Data);
                return $"{doc.RootElement.GetProperty("step").GetInt32()}={doc.RootElement.GetProperty("result").GetRawText()};";
            }));
            using var output = JsonDocument.Parse(events[^1].Data);
            var seen = output.RootElement.GetProperty("output").GetProperty("seen").GetString();
            if (seen != journalSeen)
            {
                Fail($"the agent's memory at the end ({seen}) is not the journal's results ({journalSeen})");
            }
        }
        if (replayed.Fault is not null)
        {
            Fail($"its own journal does not replay: {replayed.Fault}");
        }

        // Live activations hold the current journal's run, not a removed one's.
        foreach (var activation in cluster.LiveOf(runId).Where(a => deletedAt == long.MaxValue && !a.IsDead && a.Engine.State.LastSeq == events.Count))
        {
            if (Summary(activation.Engine.State) != Summary(replayed))
            {
                Fail($"{activation.Name}'s state differs from the replay of its journal:\n  live   {Summary(activation.Engine.State)}\n  replay {Summary(replayed)}");
            }
        }

        CheckExecutions(cluster.Db, journal, deletedAt, cluster.HasRacingActivations(runId), Fail);
    }

    /// <summary>No committed step runs again; a message that is not idempotent is never sent twice without a question between.</summary>
    /// <remarks>
    /// With two live activations of one run (Orleans' rare duplicate), a body the stale one starts after the
    /// other's commit, or after a question it has not seen, cannot be stopped: the journal stays right (every
    /// commit is fenced), but the side-effect promises hold for one live activation at a time, and are checked so.
    /// </remarks>
    private static void CheckExecutions(SimDatabase db, List<(RunEvent Event, long Order)> journal, long deletedAt, bool racing, Action<string> fail)
    {
        var started = journal.Where(e => e.Event.Type == RunEventTypes.StepStarted).Select(e => Text(e.Event, "idempotencyKey")).FirstOrDefault();
        if (started is null)
        {
            return;
        }

        var prefix = started[..started.LastIndexOf(':')];
        foreach (var (e, order) in journal.Where(e => e.Event.Type == RunEventTypes.StepCompleted))
        {
            var key = $"{prefix}:{Step(e)}";
            var committer = db.CommittedBy.GetValueOrDefault(order, "");
            foreach (var execution in db.Executions.Where(x => x.Key == key && x.Order > order))
            {
                // An older racing activation that had not seen the commit may still run it once (its result is
                // then dropped). A newer one never: the older one must not commit after the newer took the run
                // over (the chaos soak saw that in a rolling deploy).
                if (!execution.Racing || execution.ViewSeq >= e.Seq || Number(execution.Activation) > Number(committer))
                {
                    fail($"step {Step(e)} ran again in {execution.Activation} after its result was committed at seq {e.Seq} by {committer}");
                }
            }
        }

        foreach (var execution in db.Executions.Where(x => x.Key.StartsWith(prefix + ":", StringComparison.Ordinal) && x.Order > deletedAt))
        {
            fail($"step {execution.Step} of a run removed by retention ({execution.Key}, removed at #{deletedAt}) ran in {execution.Activation} at #{execution.Order}");
        }

        // A person is asked about an unknown outcome only when there is one: the step's body started after its
        // intent, or the activation that recorded the intent may have run it without anyone knowing (it died,
        // deactivated, raced another, lost an acknowledgement).
        if (racing)
        {
            return;
        }

        foreach (var (e, order) in journal.Where(e => e.Event.Type == RunEventTypes.InputRequested && Text(e.Event, "kind") == InputRequestKinds.OutcomeUnknown))
        {
            var step = Step(e);
            var intent = journal.Where(x => x.Order < order && x.Event.Type == RunEventTypes.ToolIntent && Step(x.Event) == step).Select(x => x.Order).DefaultIfEmpty(-1).Max();
            var runId = e.RunId;
            if (!db.Executions.Any(x => x.Key == $"{prefix}:{step}" && x.Order > intent && x.Order < order)
                && !db.Disruptions.Any(d => d.RunId == runId && d.Order > intent && d.Order < order))
            {
                fail($"asked whether step {step} took effect (seq {e.Seq}) though its body never started after its intent and nothing disrupted the run");
            }
        }

        // A message that is not idempotent: no body starts again without a person asked in between (a body
        // already running in a racing activation cannot be stopped; the question tells them it may have run).
        foreach (var group in db.Executions.Where(x => x.Key.StartsWith(prefix + ":", StringComparison.Ordinal)
            && db.Effects.Any(f => f.Key == x.Key && f.Kind == "s")).GroupBy(x => x.Key))
        {
            var starts = group.OrderBy(x => x.Order).ToList();
            for (var i = 1; i < starts.Count; i++)
            {
                var asked = journal.Any(e => e.Order > starts[i - 1].Order && e.Order < starts[i].Order
                    && e.Event.Type == RunEventTypes.InputRequested && Text(e.Event, "kind") == InputRequestKinds.OutcomeUnknown);
                if (!asked)
                {
                    fail($"the message of step {starts[i].Step} was sent again ({starts[i].Activation}) without an outcome-unknown question after the previous try ({starts[i - 1].Activation})");
                }
            }
        }
    }

    /// <summary>The activation's number: a1, a2, ... in the order they were created.</summary>
    private static int Number(string activation) =>
        int.TryParse(activation.AsSpan(1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : 0;

    /// <summary>What must agree between a live state and a replay (a finished run loaded from its last event knows only its outcome).</summary>
    private static string Summary(RunState s) => s.IsTerminal
        ? $"seq {s.LastSeq} | {s.Status} | steps {s.StepCount} | outcome {s.Outcome}"
        : string.Join(" | ",
        $"seq {s.LastSeq}", s.Status, $"steps {s.StepsDone}", $"memory {(s.Memory is SimMemory m ? m.Seen : s.Memory.GetType().Name)}", $"messages {s.Messages.Count}",
        $"pending {s.Pending?.Index}", s.Gate, $"failed {s.FailedAttempts}", $"draft {s.DraftChars} from {s.DraftFrom}", $"approved {s.Approved}", $"keys {s.CommandKeys.Count}",
        $"outcome {s.Outcome}", $"fault {s.Fault}");

    private static int Step(RunEvent e)
    {
        using var doc = JsonDocument.Parse(e.Data);
        return doc.RootElement.GetProperty("step").GetInt32();
    }

    private static string? Text(RunEvent e, string name)
    {
        using var doc = JsonDocument.Parse(e.Data);
        return doc.RootElement.TryGetProperty(name, out var value) ? value.GetString() : null;
    }
}
