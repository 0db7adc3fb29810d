using System.Text.Json;
using OrleansAgents.Agents;
using OrleansAgents.Runs.Core;

namespace OrleansAgents.Runs.Tests;

/// <summary>Durable timers and child runs in the run's state machine, without I/O.</summary>
public sealed class WaitDeciderTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);
    private static readonly RunPlanner Planner = new("r", new OneStep(), JsonDocument.Parse("{}").RootElement.Clone(), "r:inc");

    private static RunState Started() => Apply(RunState.Empty, RunDecider.Decide(RunState.Empty,
        new RunCommand.Start(new RunHeader { RunId = "r", Agent = "one", AgentVersion = "1", Owner = "o", Input = "{}" }, "a1"), Planner));

    private static RunState Apply(RunState state, RunDecision decision, DateTimeOffset? at = null)
    {
        Assert.Equal(RunDecisionKind.Commit, decision.Kind);
        foreach (var e in decision.Events)
        {
            // Through the stored form, as a replay reads it.
            var stored = new RunEvent("r", state.LastSeq + 1, e.Type, at ?? T0, e.Data);
            state = state.Apply(stored.Seq, EventDraft.FromStored(stored), stored.At);
        }

        return state;
    }

    [Fact]
    public void A_fired_timer_commits_timer_fired_with_the_steps_result_and_the_next_decision_in_one_commit()
    {
        var sleeping = Apply(Started(), RunDecider.Decide(Started(), new RunCommand.StartTimer(0, T0.AddMinutes(5)), Planner));
        Assert.True(sleeping.IsSleeping);
        Assert.Equal(T0.AddMinutes(5), sleeping.Timer);

        var fired = RunDecider.Decide(sleeping, new RunCommand.FireTimer(0, T0.AddMinutes(5).AddMilliseconds(40), null), Planner);

        Assert.Equal([RunEventTypes.TimerFired, RunEventTypes.StepCompleted, RunEventTypes.RunSucceeded], fired.Events.Select(e => e.Type));
        var done = Apply(sleeping, fired);
        Assert.False(done.IsSleeping);
        Assert.Equal(RunStatus.Succeeded, done.Status);
        using var result = JsonDocument.Parse(fired.Events[1].Completed!.Result);
        Assert.False(result.RootElement.GetProperty("early").GetBoolean());
    }

    [Fact]
    public void A_timer_fires_once_a_second_fire_and_a_second_start_are_stale()
    {
        var sleeping = Apply(Started(), RunDecider.Decide(Started(), new RunCommand.StartTimer(0, T0.AddMinutes(5)), Planner));

        Assert.Equal(RunDecisionKind.Stale, RunDecider.Decide(sleeping, new RunCommand.StartTimer(0, T0.AddMinutes(9)), Planner).Kind);
        var done = Apply(sleeping, RunDecider.Decide(sleeping, new RunCommand.FireTimer(0, T0.AddMinutes(5), "message"), Planner));
        Assert.Equal(RunDecisionKind.Stale, RunDecider.Decide(done, new RunCommand.FireTimer(0, T0.AddMinutes(6), null), Planner).Kind);
        Assert.Equal(RunDecisionKind.Stale, RunDecider.Decide(Started(), new RunCommand.FireTimer(0, T0, null), Planner).Kind);
    }

    [Fact]
    public void Children_are_recorded_once_per_step_and_each_outcome_once_and_only_for_a_known_child()
    {
        var children = new[] { new ChildRun(ChildRunIds.For("r", 0, 0), "bench", 0), new ChildRun(ChildRunIds.For("r", 0, 1), "bench", 0) };
        var waiting = Apply(Started(), RunDecider.Decide(Started(), new RunCommand.StartChildren(0, children), Planner));
        Assert.Equal(["r::0.0", "r::0.1"], waiting.Children.Select(c => c.RunId));
        Assert.Equal(RunDecisionKind.Stale, RunDecider.Decide(waiting, new RunCommand.StartChildren(0, children), Planner).Kind);

        var outcomes = new RunCommand.ChildrenFinished([
            new ChildOutcome("r::0.1", RunStatus.Succeeded, """{"steps":3}""", null),
            new ChildOutcome("stranger", RunStatus.Succeeded, "{}", null),
            new ChildOutcome("r::0.0", RunStatus.Running, null, null),
        ]);
        var decision = RunDecider.Decide(waiting, outcomes, Planner);
        var one = Apply(waiting, decision);

        Assert.Single(decision.Events);
        Assert.Equal(RunStatus.Succeeded, one.Children[1].Status);
        Assert.Equal("""{"steps":3}""", one.Children[1].Result);
        Assert.Equal("bench", one.Children[1].Agent);
        Assert.Null(one.Children[0].Status);
        Assert.Equal(RunDecisionKind.Done, RunDecider.Decide(one, outcomes, Planner).Kind);
        Assert.Null(one.Fault);
    }

    [Fact]
    public void A_run_that_ends_records_its_children_in_its_terminal_event_so_a_finished_run_read_from_it_still_shows_them()
    {
        var children = new[] { new ChildRun("r::0.0", "bench", 0), new ChildRun("r::0.1", "bench", 0) };
        var state = Apply(Started(), RunDecider.Decide(Started(), new RunCommand.StartChildren(0, children), Planner));
        state = Apply(state, RunDecider.Decide(state, new RunCommand.ChildrenFinished([new ChildOutcome("r::0.0", RunStatus.Succeeded, "{}", null)]), Planner));

        var cancel = RunDecider.Decide(state, new RunCommand.Cancel("enough"), Planner);
        var terminal = cancel.Events[^1];
        var ended = RunState.Ended(new RunEvent("r", state.LastSeq + 1, terminal.Type, T0, terminal.Data));

        using var data = JsonDocument.Parse(terminal.Data);
        Assert.Equal("enough", data.RootElement.GetProperty("reason").GetString());
        Assert.Equal([("r::0.0", (RunStatus?)RunStatus.Succeeded), ("r::0.1", null)], ended.Children.Select(c => (c.RunId, c.Status)));
        Assert.Equal(["bench", "bench"], ended.Children.Select(c => c.Agent));
        Assert.DoesNotContain("children", RunDecider.Decide(Started(), new RunCommand.Cancel("x"), Planner).Events[^1].Data, StringComparison.Ordinal);
    }

    [Fact]
    public void A_snapshot_keeps_the_timer_and_the_children()
    {
        var children = new[] { new ChildRun("r::0.0", "bench", 0), new ChildRun("r::0.1", "bench", 0) };
        var state = Apply(Started(), RunDecider.Decide(Started(), new RunCommand.StartChildren(0, children), Planner));
        state = Apply(state, RunDecider.Decide(state, new RunCommand.ChildrenFinished([new ChildOutcome("r::0.0", RunStatus.Failed, null, "boom")]), Planner));
        var sleeping = state with { Timer = T0.AddDays(1), TimerSince = T0, TimerMessages = 0 };

        var read = RunStateSnapshot.Read(RunStateSnapshot.Write(sleeping))!;

        Assert.Equal(sleeping.Children, read.Children);
        Assert.Equal(sleeping.Timer, read.Timer);
        Assert.Equal(sleeping.TimerSince, read.TimerSince);
    }

    [Fact]
    public void Child_run_IDs_are_derived_from_the_parent_and_step_and_stay_within_128_characters()
    {
        Assert.Equal("p::3.7", ChildRunIds.For("p", 3, 7));
        var longParent = new string('a', 125);
        var id = ChildRunIds.For(longParent, 12, 99);

        Assert.True(id.Length <= 128);
        Assert.Equal(id, ChildRunIds.For(longParent, 12, 99));
        Assert.NotEqual(id, ChildRunIds.For(longParent + "b", 12, 99));
    }

    /// <summary>One step, then done.</summary>
    private sealed class OneStep : IAgent
    {
        public string Name => "one";

        public string Version => "1";

        public void ValidateInput(JsonElement input)
        {
        }

        public AgentDecision Decide(AgentContext context) => context.StepCount < 1
            ? new AgentDecision.Next("s", "{}")
            : new AgentDecision.Finish("""{"done":true}""");

        public Task<StepOutput> ExecuteStepAsync(StepContext context, CancellationToken cancellationToken) =>
            Task.FromResult(new StepOutput("{}"));
    }
}
