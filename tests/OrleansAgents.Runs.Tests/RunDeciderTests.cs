using System.Text.Json;
using OrleansAgents.Agents;
using OrleansAgents.Runs.Core;

namespace OrleansAgents.Runs.Tests;

/// <summary>The decide half of the run's state machine: what a command becomes against a state, without I/O.</summary>
public sealed class RunDeciderTests
{
    private static readonly RunPlanner Planner = new("r", new TwoSteps(), JsonDocument.Parse("{}").RootElement.Clone(), "r:inc");

    private static RunState Started() => Apply(RunState.Empty, RunDecider.Decide(RunState.Empty,
        new RunCommand.Start(new RunHeader { RunId = "r", Agent = "two", AgentVersion = "1", Owner = "o", Input = "{}" }, "a1"), Planner));

    private static RunState Apply(RunState state, RunDecision decision)
    {
        Assert.Equal(RunDecisionKind.Commit, decision.Kind);
        foreach (var e in decision.Events)
        {
            state = state.Apply(state.LastSeq + 1, e, DateTimeOffset.UnixEpoch);
        }

        return state;
    }

    /// <summary>The state after the gate asks about the pending step, and the seq of that question.</summary>
    private static (RunState State, long Seq) Asked(RunState state, string kind)
    {
        var asked = Apply(state, RunDecider.Decide(state, new RunCommand.Ask(new InputRequest(state.Pending!.Index, kind, "t", "{}", kind)), Planner));
        return (asked, asked.LastSeq);
    }

    private static RunCommand.Complete Result(int step) => new(new StepPlan(step, "s", "{}"), new StepOutput($$"""{"i":{{step}}}"""), 1);

    [Fact]
    public void Start_CommitsRunStartedAndTheFirstStep_WithTheIncarnationInItsIdempotencyKey()
    {
        var state = Started();

        Assert.Equal(2, state.LastSeq);
        Assert.Equal(0, state.Pending!.Index);
        var decision = RunDecider.Decide(RunState.Empty, new RunCommand.Start(new RunHeader { Input = "{}" }, "a1"), Planner);
        Assert.Contains("\"idempotencyKey\":\"r:inc:0\"", decision.Events[1].Data, StringComparison.Ordinal);
    }

    [Fact]
    public void Complete_OfTheStepThatIsNoLongerPending_IsStale_AndCommitsNothing()
    {
        var state = Apply(Started(), RunDecider.Decide(Started(), Result(0), Planner));

        var again = RunDecider.Decide(state, Result(0), Planner);

        Assert.Equal(1, state.Pending!.Index);
        Assert.Equal(RunDecisionKind.Stale, again.Kind);
        Assert.Empty(again.Events);
    }

    [Fact]
    public void A_step_result_over_the_step_result_limit_fails_the_run_naming_the_limit_and_is_not_recorded()
    {
        var planner = Planner with { Quotas = new RunQuotaOptions { MaxStepResultBytes = 1024 } };
        var big = new RunCommand.Complete(new StepPlan(0, "s", "{}"), new StepOutput(JsonSerializer.Serialize(new string('x', 1100))), 1);

        var decision = RunDecider.Decide(Started(), big, planner);
        var fits = RunDecider.Decide(Started(), new RunCommand.Complete(new StepPlan(0, "s", "{}"), new StepOutput(JsonSerializer.Serialize(new string('x', 1000))), 1), planner);

        var failed = Assert.Single(decision.Events);
        Assert.Equal(RunEventTypes.RunFailed, failed.Type);
        Assert.Contains("returned 1102 bytes", failed.Data, StringComparison.Ordinal);
        Assert.Contains("1024 bytes (OrleansAgents:Runs:Quotas:MaxStepResultBytes)", failed.Data, StringComparison.Ordinal);
        Assert.DoesNotContain("xxxx", failed.Data, StringComparison.Ordinal);
        Assert.Equal(RunEventTypes.StepCompleted, fits.Events[0].Type);
    }

    [Fact]
    public void A_step_that_would_take_the_journal_past_its_limit_fails_the_run_naming_the_limit()
    {
        var started = Started();
        var planner = Planner with { Quotas = new RunQuotaOptions { MaxStepResultBytes = 1024, MaxJournalBytes = started.JournalBytes + 1020 } };
        var result = new RunCommand.Complete(new StepPlan(0, "s", "{}"), new StepOutput(JsonSerializer.Serialize(new string('x', 1000))), 1);

        var failed = Assert.Single(RunDecider.Decide(started, result, planner).Events);

        Assert.Equal(RunEventTypes.RunFailed, failed.Type);
        Assert.Contains($"{started.JournalBytes + 1020} bytes (OrleansAgents:Runs:Quotas:MaxJournalBytes)", failed.Data, StringComparison.Ordinal);
    }

    [Fact]
    public void A_draft_commits_only_the_text_the_journal_lacks_for_the_current_attempt_and_stops_at_the_step_result_limit()
    {
        var started = Started();
        var first = Apply(started, RunDecider.Decide(started, new RunCommand.Draft(0, started.DraftFrom, "Hello"), Planner));
        var again = RunDecider.Decide(first, new RunCommand.Draft(0, first.DraftFrom, "Hello, world"), Planner);
        var stale = RunDecider.Decide(first, new RunCommand.Draft(0, first.DraftFrom - 1, "Hello, world"), Planner);
        var tooLong = RunDecider.Decide(first, new RunCommand.Draft(0, first.DraftFrom, new string('x', 2000)), Planner with { Quotas = new RunQuotaOptions { MaxStepResultBytes = 1024 } });

        Assert.Equal(5, first.DraftChars);
        Assert.Equal(started.StepsDone, first.StepsDone); // a draft is never a step
        Assert.Equal(RunEventTypes.StepDelta, Assert.Single(again.Events).Type);
        Assert.Contains("\"text\":\", world\"", again.Events[0].Data, StringComparison.Ordinal);
        Assert.Equal(RunDecisionKind.Stale, stale.Kind);
        Assert.Equal(RunDecisionKind.Done, tooLong.Kind);
        Assert.Equal(0, Apply(first, RunDecider.Decide(first, Result(0), Planner)).DraftChars);
    }

    [Fact]
    public void A_run_at_its_step_limit_fails_when_its_agent_wants_another_step_and_still_finishes_when_it_is_done()
    {
        var planner = Planner with { Quotas = new RunQuotaOptions { MaxSteps = 1 } };
        var limited = Apply(Started(), RunDecider.Decide(Started(), Result(0), Planner)); // one step done; TwoSteps wants one more

        var finished = RunDecider.Decide(limited, Result(1), planner with { Quotas = new RunQuotaOptions { MaxSteps = 2 } });
        var refused = RunDecider.Decide(Started(), Result(0), planner);

        Assert.Equal([RunEventTypes.StepCompleted, RunEventTypes.RunSucceeded], finished.Events.Select(e => e.Type)); // at the limit, done is still done
        Assert.Equal([RunEventTypes.StepCompleted, RunEventTypes.RunFailed], refused.Events.Select(e => e.Type));
        Assert.Contains("limit of 1 steps (OrleansAgents:Runs:Quotas:MaxSteps)", refused.Events[1].Data, StringComparison.Ordinal);
    }

    [Fact]
    public void A_snapshot_read_back_holds_the_state_it_was_written_from()
    {
        var waiting = Apply(Started(), RunDecider.Decide(Started(), new RunCommand.Steer("hello", "k1"), Planner));
        waiting = Apply(waiting, RunDecider.Decide(waiting, new RunCommand.Ask(new InputRequest(0, InputRequestKinds.Approval, "t", "{}", "May I?")), Planner));

        var read = RunStateSnapshot.Read(RunStateSnapshot.Write(waiting))!;

        Assert.Equal(
            waiting with { Memory = AgentMemory.None, SnapshotSteps = 0, SnapshotBytes = 0, CommandKeys = [] },
            read with { Memory = AgentMemory.None, SnapshotSteps = 0, SnapshotBytes = 0, CommandKeys = [], Messages = waiting.Messages });
        Assert.Equal(waiting.Messages, read.Messages);
        Assert.Equal(waiting.CommandKeys, read.CommandKeys);
        Assert.True(read.IsWaiting);
        Assert.Null(RunStateSnapshot.Read("""{"format":3,"seq":5}"""));
        Assert.Null(RunStateSnapshot.Read("not json"));
    }

    [Fact]
    public void Complete_OfTheLastStep_CommitsItsResultAndTheRunsSuccessTogether()
    {
        var state = Apply(Started(), RunDecider.Decide(Started(), Result(0), Planner));

        var decision = RunDecider.Decide(state, Result(1), Planner);

        Assert.Equal([RunEventTypes.StepCompleted, RunEventTypes.RunSucceeded], decision.Events.Select(e => e.Type));
    }

    [Fact]
    public void Steer_WithAKeyAlreadyApplied_IsDone_AndTheSameKeyForAnotherMessageIsRefused()
    {
        var state = Apply(Started(), RunDecider.Decide(Started(), new RunCommand.Steer("hello", "k1"), Planner));

        Assert.Equal(RunDecisionKind.Done, RunDecider.Decide(state, new RunCommand.Steer("hello", "k1"), Planner).Kind);
        Assert.Equal(RunDecisionKind.KeyReused, RunDecider.Decide(state, new RunCommand.Steer("goodbye", "k1"), Planner).Kind);
        Assert.Equal(RunDecisionKind.Commit, RunDecider.Decide(state, new RunCommand.Steer("hello", "k2"), Planner).Kind);
    }

    [Fact]
    public void Answer_WhileNothingWaits_IsRefusedWithTheRunsStatus()
    {
        var decision = RunDecider.Decide(Started(), new RunCommand.Answer(true, null, "k"), Planner);

        Assert.Equal(RunDecisionKind.Refused, decision.Kind);
        Assert.Equal("is running, not waiting for input", decision.Reason);
    }

    [Fact]
    public void Answer_NamingAQuestionAnsweredMeanwhile_IsRefused_WhenTheSameStepAsksAgain_AndNotAppliedToTheNewQuestion()
    {
        // Question A (approval of step 0) is answered through another path; the tool is cut off after its intent, and
        // the run asks question B about the same step (outcome unknown). An answer sent for A must not approve B.
        var (afterA, a) = Asked(Started(), InputRequestKinds.Approval);
        var answered = Apply(afterA, RunDecider.Decide(afterA, new RunCommand.Answer(true, "from the page", "page-1"), Planner));
        var intent = Apply(answered, RunDecider.Decide(answered, new RunCommand.RecordIntent(0, "t"), Planner));
        var (waitingB, b) = Asked(intent, InputRequestKinds.OutcomeUnknown);

        var stale = RunDecider.Decide(waitingB, new RunCommand.Answer(true, null, $"responses:{a}", a), Planner);
        var named = RunDecider.Decide(waitingB, new RunCommand.Answer(false, null, $"responses:{b}", b), Planner);
        var unnamed = RunDecider.Decide(waitingB, new RunCommand.Answer(true, null, "cli-1"), Planner);

        Assert.Equal(0, waitingB.Request!.Step);
        Assert.Equal(b, waitingB.RequestSeq);
        Assert.Equal(RunDecisionKind.Refused, stale.Kind);
        Assert.Empty(stale.Events);
        Assert.Equal($"has no open question asked at seq {a}: the one open now was asked at seq {b}", stale.Reason);
        Assert.Equal(RunEventTypes.InputRejected, Assert.Single(named.Events).Type); // the question open now, named, is answered
        Assert.Equal(RunEventTypes.InputApproved, Assert.Single(unnamed.Events).Type); // no name: whatever is open, as before
    }

    [Fact]
    public void Answer_NamingAQuestionOfAnEarlierStep_IsRefused_WhenTheNextStepAsks_AndWhenNothingIsAsked()
    {
        var (afterA, a) = Asked(Started(), InputRequestKinds.Approval);
        var rejected = Apply(afterA, RunDecider.Decide(afterA, new RunCommand.Answer(false, "no", "api-1"), Planner));
        var next = Apply(rejected, RunDecider.Decide(rejected, Result(0), Planner)); // step 0 skipped; step 1 starts
        var (waitingB, b) = Asked(next, InputRequestKinds.Approval);

        var stale = RunDecider.Decide(waitingB, new RunCommand.Answer(true, null, "v1-a", a), Planner);
        var nothingAsked = RunDecider.Decide(next, new RunCommand.Answer(true, null, "v1-a", a), Planner);

        Assert.Equal(1, waitingB.Request!.Step);
        Assert.True(b > a);
        Assert.Equal(RunDecisionKind.Refused, stale.Kind);
        Assert.Equal(RunDecisionKind.Refused, nothingAsked.Kind);
        Assert.Equal($"is running, not waiting for input: no question asked at seq {a} is open", nothingAsked.Reason);
    }

    [Fact]
    public void Answer_ResentWithItsKeyAfterTheRunAskedAgain_IsDone_AndTheSameKeyForAnotherDecisionIsKeyReused()
    {
        var (afterA, a) = Asked(Started(), InputRequestKinds.Approval);
        var first = new RunCommand.Answer(true, null, $"responses:{a}", a);
        var answered = Apply(afterA, RunDecider.Decide(afterA, first, Planner));
        var intent = Apply(answered, RunDecider.Decide(answered, new RunCommand.RecordIntent(0, "t"), Planner));
        var (waitingB, _) = Asked(intent, InputRequestKinds.OutcomeUnknown);

        Assert.Equal(RunDecisionKind.Done, RunDecider.Decide(waitingB, first, Planner).Kind); // applied once, answered as the first time
        Assert.Equal(RunDecisionKind.KeyReused, RunDecider.Decide(waitingB, first with { Approved = false }, Planner).Kind);
        Assert.True(waitingB.IsWaiting);
    }

    [Fact]
    public void A_snapshot_of_a_waiting_run_keeps_the_seq_of_its_question_and_one_written_without_it_is_not_read()
    {
        var (waiting, asked) = Asked(Started(), InputRequestKinds.Approval);
        var json = RunStateSnapshot.Write(waiting);

        var read = RunStateSnapshot.Read(json)!;
        var old = System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject();
        old.Remove("requestSeq");

        Assert.Equal(asked, read.RequestSeq);
        Assert.Equal(RunDecisionKind.Refused, RunDecider.Decide(read, new RunCommand.Answer(true, null, "k", asked - 1), Planner).Kind);
        Assert.Null(RunStateSnapshot.Read(old.ToJsonString())); // before questions kept their seq: the journal is replayed instead
    }

    [Fact]
    public void Cancel_OfARunThatEnded_IsDone_AndOfARunningOneEndsIt()
    {
        var cancelled = Apply(Started(), RunDecider.Decide(Started(), new RunCommand.Cancel("stop"), Planner));

        Assert.Equal(RunStatus.Cancelled, cancelled.Status);
        Assert.Equal(RunDecisionKind.Done, RunDecider.Decide(cancelled, new RunCommand.Cancel("again"), Planner).Kind);
        Assert.Equal(RunDecisionKind.Stale, RunDecider.Decide(cancelled, Result(0), Planner).Kind);
    }

    [Fact]
    public void TheGate_RunsAToolWithSideEffectsOnlyAfterItsIntent_AndAsksWhenAnIntentIsFoundOpen()
    {
        var state = Started();
        var plan = state.Pending!;
        var policy = new StepPolicy { SideEffects = true, Idempotent = false };

        var first = RunGate.Decide(state, plan, policy);
        var withIntent = Apply(state, RunDecider.Decide(state, new RunCommand.RecordIntent(plan.Index, "send"), Planner));
        var found = RunGate.Decide(withIntent, plan, policy);

        Assert.IsType<GateDecision.RecordIntent>(first);
        var ask = Assert.IsType<GateDecision.Ask>(found);
        Assert.Equal(InputRequestKinds.OutcomeUnknown, ask.Request.Kind);
        Assert.IsType<GateDecision.Execute>(RunGate.Decide(withIntent, plan, policy with { Idempotent = true }));
    }

    /// <summary>Two steps, then done.</summary>
    private sealed class TwoSteps : IAgent
    {
        public string Name => "two";

        public string Version => "1";

        public void ValidateInput(JsonElement input)
        {
        }

        public AgentDecision Decide(AgentContext context) => context.StepCount < 2
            ? new AgentDecision.Next("s", "{}")
            : new AgentDecision.Finish("""{"done":true}""");

        public Task<StepOutput> ExecuteStepAsync(StepContext context, CancellationToken cancellationToken) =>
            Task.FromResult(new StepOutput("{}"));
    }
}
