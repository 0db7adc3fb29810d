using OrleansAgents.Agents;
using OrleansAgents.Runs.Core;

namespace OrleansAgents.Runs.Tests;

/// <summary>
/// The bytes of every event type's payload, as the journal stores them (docs/EVENTS.md): field names, their
/// order, which optional fields are left out, numbers, dates, escaping, and raw JSON (input, args, result,
/// arguments, output) written through byte for byte, whitespace included.
/// </summary>
public sealed class EventPayloadTests
{
    private const string Raw = """{ "a" : [1, 2.50, "\u00e9"] ,"b":{}}""";
    private const string Text = "Ünïcødé <b>&amp;</b> 'quoted' \"double\" line\nbreak \t tab 🙂";

    private static readonly DateTimeOffset Until = new DateTimeOffset(2026, 11, 26, 17, 0, 0, TimeSpan.FromHours(2)).AddTicks(1_234_567);

    private static readonly RunHeader Header = new()
    {
        RunId = "run-1", Agent = "chat", AgentVersion = "v-1", Owner = "user-1", Input = Raw, Incarnation = "i1",
    };

    /// <summary>Captured from the hand-written writer (Utf8JsonWriter) before the payloads became records.</summary>
    public static TheoryData<string, string, string> Payloads => new()
    {
        { "RunStarted", "run.started", """{"agent":"chat","version":"v-1","owner":"user-1","input":{ "a" : [1, 2.50, "\u00e9"] ,"b":{}},"activation":"act-1"}""" },
        { "RunStartedText", "run.started", """{"agent":"\u00DCn\u00EFc\u00F8d\u00E9 \u003Cb\u003E\u0026amp;\u003C/b\u003E \u0027quoted\u0027 \u0022double\u0022 line\nbreak \t tab \uD83D\uDE42","version":"","owner":"o","input":null,"activation":"\u00DCn\u00EFc\u00F8d\u00E9 \u003Cb\u003E\u0026amp;\u003C/b\u003E \u0027quoted\u0027 \u0022double\u0022 line\nbreak \t tab \uD83D\uDE42"}""" },
        { "RunUpgraded", "run.upgraded", """{"from":"v-1","to":"v-2"}""" },
        { "RunPinned", "run.pinned", """{"version":"v-1","until":"2026-11-26T17:00:00.1234567+02:00"}""" },
        { "RunPinnedUtc", "run.pinned", """{"version":"v-1","until":"1970-01-01T00:00:00+00:00"}""" },
        { "RunResumedBare", "run.resumed", """{"silo":"silo-1","activation":"act-2"}""" },
        { "RunResumedFull", "run.resumed", """{"step":3,"silo":"silo-1","activation":"act-2","read":{"snapshotSeq":100,"events":7,"ms":12.346}}""" },
        { "RunResumedWhole", "run.resumed", """{"step":0,"silo":"silo-1","activation":"act-2","read":{"snapshotSeq":0,"events":0,"ms":5}}""" },
        { "StepStarted", "step.started", """{"step":4,"name":"tool:publish","idempotencyKey":"run-1:i1:4","args":{ "a" : [1, 2.50, "\u00e9"] ,"b":{}}}""" },
        { "StepCompleted", "step.completed", """{"step":4,"name":"model","durationMs":12.346,"result":{ "a" : [1, 2.50, "\u00e9"] ,"b":{}}}""" },
        { "StepCompletedZeroUsage", "step.completed", """{"step":4,"name":"model","durationMs":0,"result":"text"}""" },
        { "StepCompletedUsage", "step.completed", """{"step":4,"name":"model","durationMs":1000000.5,"result":[ ],"usage":{"inputTokens":10,"outputTokens":4,"totalTokens":14}}""" },
        { "ToolIntent", "tool.intent", """{"step":4,"tool":"publish","idempotencyKey":"run-1:i1:4"}""" },
        { "StepDelta", "step.delta", """{"step":4,"text":"\u00DCn\u00EFc\u00F8d\u00E9 \u003Cb\u003E\u0026amp;\u003C/b\u003E \u0027quoted\u0027 \u0022double\u0022 line\nbreak \t tab \uD83D\uDE42"}""" },
        { "StepDeltaEmpty", "step.delta", """{"step":0,"text":""}""" },
        { "StepRetrying", "step.retrying", """{"step":4,"attempt":2,"error":"\u00DCn\u00EFc\u00F8d\u00E9 \u003Cb\u003E\u0026amp;\u003C/b\u003E \u0027quoted\u0027 \u0022double\u0022 line\nbreak \t tab \uD83D\uDE42","delayMs":1234}""" },
        { "StepRetryingFraction", "step.retrying", """{"step":4,"attempt":1,"error":"503","delayMs":1236}""" },
        { "InputRequested", "input.requested", """{"step":4,"kind":"outcome-unknown","tool":"publish","arguments":{ "a" : [1, 2.50, "\u00e9"] ,"b":{}},"question":"\u00DCn\u00EFc\u00F8d\u00E9 \u003Cb\u003E\u0026amp;\u003C/b\u003E \u0027quoted\u0027 \u0022double\u0022 line\nbreak \t tab \uD83D\uDE42"}""" },
        { "InputApproved", "input.approved", """{"step":4,"comment":"\u00DCn\u00EFc\u00F8d\u00E9 \u003Cb\u003E\u0026amp;\u003C/b\u003E \u0027quoted\u0027 \u0022double\u0022 line\nbreak \t tab \uD83D\uDE42","key":"key-1"}""" },
        { "InputApprovedBare", "input.approved", """{"step":4}""" },
        { "InputRejected", "input.rejected", """{"step":4,"reason":"no","key":"key-2"}""" },
        { "InputRejectedBare", "input.rejected", """{"step":4}""" },
        { "InputRejectedKeyOnly", "input.rejected", """{"step":4,"key":"key-3"}""" },
        { "InputMessage", "input.message", """{"message":"\u00DCn\u00EFc\u00F8d\u00E9 \u003Cb\u003E\u0026amp;\u003C/b\u003E \u0027quoted\u0027 \u0022double\u0022 line\nbreak \t tab \uD83D\uDE42","key":"key-4"}""" },
        { "InputMessageBare", "input.message", """{"message":"hi"}""" },
        { "RunSucceeded", "run.succeeded", """{"steps":5,"output":{ "a" : [1, 2.50, "\u00e9"] ,"b":{}}}""" },
        { "RunSucceededZeroUsage", "run.succeeded", """{"steps":0,"output":null}""" },
        { "RunSucceededUsage", "run.succeeded", """{"steps":5,"output":"done","usage":{"inputTokens":100,"outputTokens":0,"totalTokens":100}}""" },
        { "RunFailed", "run.failed", """{"error":"\u00DCn\u00EFc\u00F8d\u00E9 \u003Cb\u003E\u0026amp;\u003C/b\u003E \u0027quoted\u0027 \u0022double\u0022 line\nbreak \t tab \uD83D\uDE42","steps":5}""" },
        { "RunFailedStep", "run.failed", """{"error":"too big","steps":4,"step":4,"usage":{"inputTokens":1,"outputTokens":2,"totalTokens":3}}""" },
        { "RunCancelled", "run.cancelled", """{"reason":"cancelled by request","steps":2}""" },
        { "RunCancelledReason", "run.cancelled", """{"reason":"\u00DCn\u00EFc\u00F8d\u00E9 \u003Cb\u003E\u0026amp;\u003C/b\u003E \u0027quoted\u0027 \u0022double\u0022 line\nbreak \t tab \uD83D\uDE42","steps":2,"usage":{"inputTokens":0,"outputTokens":7,"totalTokens":7}}""" },
        { "TimerStarted", "timer.started", """{"step":2,"until":"2026-11-26T17:00:00.1234567+02:00"}""" },
        { "TimerFired", "timer.fired", """{"step":2,"until":"2026-11-26T17:00:00.1234567+02:00","firedAt":"1970-01-01T00:00:00+00:00","early":false}""" },
        { "TimerFiredEarly", "timer.fired", """{"step":2,"until":"2026-11-26T17:00:00.1234567+02:00","firedAt":"1970-01-01T00:00:00+00:00","early":true,"reason":"message"}""" },
        { "ChildStarted", "child.started", """{"step":0,"runId":"run-1::0.1","agent":"bench"}""" },
        { "ChildFinished", "child.finished", """{"step":0,"runId":"run-1::0.1","agent":"bench","status":"succeeded","result":{ "a" : [1, 2.50, "\u00e9"] ,"b":{}}}""" },
        { "ChildFinishedFailed", "child.finished", """{"step":0,"runId":"run-1::0.1","agent":"bench","status":"failed","error":"\u00DCn\u00EFc\u00F8d\u00E9 \u003Cb\u003E\u0026amp;\u003C/b\u003E \u0027quoted\u0027 \u0022double\u0022 line\nbreak \t tab \uD83D\uDE42"}""" },
    };

    [Fact]
    public void A_terminal_event_of_a_run_with_children_keeps_its_fields_byte_for_byte_and_appends_them()
    {
        var children = new[] { new ChildRun("run-1::0.0", "bench", 0, RunStatus.Succeeded), new ChildRun("run-1::0.1", "bench", 0) };

        var draft = EventDraft.RunCancelled(null, 2).WithChildren(children);

        Assert.Equal(
            """{"reason":"cancelled by request","steps":2,"children":[{"runId":"run-1::0.0","agent":"bench","step":0,"status":"succeeded"},{"runId":"run-1::0.1","agent":"bench","step":0,"status":"running"}]}""",
            draft.Data);
        var read = EventDraft.FromStored(new RunEvent("run-1", 1, draft.Type, DateTimeOffset.UnixEpoch, draft.Data));
        Assert.Equal(children, read.Children);
    }

    [Theory]
    [MemberData(nameof(Payloads))]
    public void EveryEventPayload_IsWrittenByteForByteAsTheJournalStoresIt(string name, string type, string data)
    {
        var draft = Draft(name);

        Assert.Equal(type, draft.Type);
        Assert.Equal(data, draft.Data);
    }

    [Theory]
    [MemberData(nameof(Payloads))]
    public void EveryEventPayload_ReadsBackAsTheDraftItWasWrittenFrom(string name, string type, string data)
    {
        var draft = Draft(name);

        var read = EventDraft.FromStored(new RunEvent("run-1", 1, type, DateTimeOffset.UnixEpoch, data));

        // A usage without tokens is not written, so it reads back as none.
        Assert.Equal(draft with { Usage = draft.Usage is { TotalTokens: > 0 } ? draft.Usage : null }, read);
    }

    private static EventDraft Draft(string name) => name switch
    {
        "RunStarted" => EventDraft.RunStarted(Header, "act-1"),
        "RunStartedText" => EventDraft.RunStarted(new RunHeader { RunId = "r", Agent = Text, AgentVersion = "", Owner = "o", Input = "null" }, Text),
        "RunUpgraded" => EventDraft.RunUpgraded("v-1", "v-2"),
        "RunPinned" => EventDraft.RunPinned("v-1", Until),
        "RunPinnedUtc" => EventDraft.RunPinned("v-1", DateTimeOffset.UnixEpoch),
        "RunResumedBare" => EventDraft.RunResumed(null, "silo-1", "act-2"),
        "RunResumedFull" => EventDraft.RunResumed(3, "silo-1", "act-2", new RunLoad(100, 7, 12.34567)),
        "RunResumedWhole" => EventDraft.RunResumed(0, "silo-1", "act-2", new RunLoad(0, 0, 5)),
        "StepStarted" => EventDraft.StepStarted("run-1:i1", new StepPlan(4, "tool:publish", Raw)),
        "StepCompleted" => EventDraft.StepCompleted(new CommittedStep(4, "model", Raw), 12.34567, null),
        "StepCompletedZeroUsage" => EventDraft.StepCompleted(new CommittedStep(4, "model", "\"text\""), 0.0004, RunUsage.Zero),
        "StepCompletedUsage" => EventDraft.StepCompleted(new CommittedStep(4, "model", "[ ]"), 1e6 + 0.5, new RunUsage(10, 4, 14)),
        "ToolIntent" => EventDraft.ToolIntent("run-1:i1", 4, "publish"),
        "StepDelta" => EventDraft.StepDelta(4, Text),
        "StepDeltaEmpty" => EventDraft.StepDelta(0, ""),
        "StepRetrying" => EventDraft.StepRetrying(4, 2, Text, 1234.5),
        "StepRetryingFraction" => EventDraft.StepRetrying(4, 1, "503", 1235.5),
        "InputRequested" => EventDraft.InputRequested(new InputRequest(4, InputRequestKinds.OutcomeUnknown, "publish", Raw, Text)),
        "InputApproved" => EventDraft.InputDecided(true, 4, Text, "key-1"),
        "InputApprovedBare" => EventDraft.InputDecided(true, 4, null, null),
        "InputRejected" => EventDraft.InputDecided(false, 4, "no", "key-2"),
        "InputRejectedBare" => EventDraft.InputDecided(false, 4, null, null),
        "InputRejectedKeyOnly" => EventDraft.InputDecided(false, 4, null, "key-3"),
        "InputMessage" => EventDraft.InputMessage(Text, "key-4"),
        "InputMessageBare" => EventDraft.InputMessage("hi", null),
        "RunSucceeded" => EventDraft.RunSucceeded(Raw, 5),
        "RunSucceededZeroUsage" => EventDraft.RunSucceeded("null", 0, RunUsage.Zero),
        "RunSucceededUsage" => EventDraft.RunSucceeded("\"done\"", 5, new RunUsage(100, 0, 100)),
        "RunFailed" => EventDraft.RunFailed(Text, null, 5),
        "RunFailedStep" => EventDraft.RunFailed("too big", 4, 4, new RunUsage(1, 2, 3)),
        "RunCancelled" => EventDraft.RunCancelled(null, 2),
        "RunCancelledReason" => EventDraft.RunCancelled(Text, 2, new RunUsage(0, 7, 7)),
        "TimerStarted" => EventDraft.TimerStarted(2, Until),
        "TimerFired" => EventDraft.TimerFired(2, Until, DateTimeOffset.UnixEpoch, null),
        "TimerFiredEarly" => EventDraft.TimerFired(2, Until, DateTimeOffset.UnixEpoch, "message"),
        "ChildStarted" => EventDraft.ChildStarted(new ChildRun("run-1::0.1", "bench", 0)),
        "ChildFinished" => EventDraft.ChildFinished(new ChildRun("run-1::0.1", "bench", 0, RunStatus.Succeeded, Raw)),
        "ChildFinishedFailed" => EventDraft.ChildFinished(new ChildRun("run-1::0.1", "bench", 0, RunStatus.Failed, Error: Text)),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };
}
