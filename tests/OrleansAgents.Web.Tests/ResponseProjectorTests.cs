using System.Text.Json.Nodes;
using OrleansAgents.Runs;
using OrleansAgents.Web.Responses;

namespace OrleansAgents.Web.Tests;

/// <summary>The Responses projection without a cluster: a pure fold of a run's journal into OpenAI stream events.</summary>
public sealed class ResponseProjectorTests
{
    private const string Run = "r-1";

    /// <summary>A model step cut by a resume, retried after a transient failure, a tool, a question, the answer, the end.</summary>
    private static readonly (string Type, string Data)[] Journal =
    [
        ("run.started", """{"agent":"a","version":"v","owner":"o","input":{},"activation":"x"}"""),
        ("step.started", """{"step":0,"name":"model","idempotencyKey":"k:0","args":{"messages":[],"tools":[]}}"""),
        ("step.delta", """{"step":0,"text":"Hel"}"""),
        ("run.resumed", """{"step":0,"silo":"s2","activation":"y"}"""),
        ("step.delta", """{"step":0,"text":"Hello, "}"""),
        ("step.retrying", """{"step":0,"attempt":1,"error":"503","delayMs":10}"""),
        ("step.delta", """{"step":0,"text":"Hello, wor"}"""),
        ("step.completed", """{"step":0,"name":"model","durationMs":5,"result":{"text":"Hello, world.","toolCalls":[]},"usage":{"inputTokens":10,"outputTokens":4,"totalTokens":14}}"""),
        ("step.started", """{"step":1,"name":"tool:read","idempotencyKey":"k:1","args":{"callId":"c1","tool":"read","arguments":{"name":"a.md"}}}"""),
        ("step.completed", """{"step":1,"name":"tool:read","durationMs":5,"result":{"callId":"c1","tool":"read","output":"text of a.md"}}"""),
        ("step.started", """{"step":2,"name":"tool:publish","idempotencyKey":"k:2","args":{"callId":"c2","tool":"publish","arguments":{"x":1}}}"""),
        ("input.requested", """{"step":2,"kind":"approval","tool":"publish","arguments":{"x":1},"question":"Publish?"}"""),
        ("input.approved", """{"step":2,"key":"responses:12"}"""),
        ("tool.intent", """{"step":2,"tool":"publish","idempotencyKey":"k:2"}"""),
        ("step.completed", """{"step":2,"name":"tool:publish","durationMs":5,"result":{"callId":"c2","tool":"publish","output":{"id":"p-1"}}}"""),
        ("step.started", """{"step":3,"name":"model","idempotencyKey":"k:3","args":{"messages":[],"tools":[]}}"""),
        ("step.completed", """{"step":3,"name":"model","durationMs":5,"result":{"text":"Published.","toolCalls":[]},"usage":{"inputTokens":20,"outputTokens":2,"totalTokens":22}}"""),
        ("run.succeeded", """{"steps":4,"output":{"text":"Published."},"usage":{"inputTokens":30,"outputTokens":6,"totalTokens":36}}"""),
    ];

    private static IEnumerable<RunEvent> Events(int count) =>
        Journal.Take(count).Select((e, i) => new RunEvent(Run, i + 1, e.Type, DateTimeOffset.UnixEpoch.AddSeconds(i), e.Data));

    private static ResponseProjector Fold(long afterSeq, int count)
    {
        var projector = new ResponseProjector(new ResponseHeader(ResponseIds.Response(Run, afterSeq), Run, afterSeq, "a", true, [], DateTimeOffset.UnixEpoch, null));
        foreach (var e in Events(count))
        {
            projector.Apply(e);
        }

        return projector;
    }

    private static List<string> Stream(ResponseProjector p) => [.. p.Events.Select(e => e.Json.ToJsonString())];

    [Fact]
    public void Folding_any_prefix_of_the_journal_gives_a_prefix_of_the_events_so_a_live_stream_is_the_replay()
    {
        var whole = Stream(Fold(0, Journal.Length));
        for (var n = 0; n <= Journal.Length; n++)
        {
            var part = Stream(Fold(0, n));
            Assert.Equal(whole.Take(part.Count), part);
        }

        Assert.Equal(whole, Stream(Fold(0, Journal.Length)));
        Assert.Equal(Enumerable.Range(0, whole.Count), Fold(0, Journal.Length).Events.Select(e => e.SequenceNumber));
    }

    [Fact]
    public void An_attempt_cut_by_a_resume_or_a_retry_ends_its_message_incomplete_and_the_next_attempt_streams_a_new_one()
    {
        var p = Fold(0, 8);
        var done = p.Events.Where(e => e.Type == "response.output_item.done").Select(e => e.Json["item"]!).ToList();

        Assert.Equal(["incomplete", "incomplete", "completed"], done.Select(i => (string)i["status"]!));
        Assert.Equal(["Hel", "Hello, ", "Hello, world."], done.Select(i => (string)i["content"]![0]!["text"]!));
        Assert.Equal(["msg_0_0", "msg_0_1", "msg_0_2"], done.Select(i => (string)i["id"]!));
        var last = p.Events.Where(e => e.Type == "response.output_text.delta").Select(e => (string)e.Json["delta"]!).TakeLast(2);
        Assert.Equal(["Hello, wor", "ld."], last); // the draft, then the rest of the committed text
    }

    [Fact]
    public void The_Response_object_keeps_a_cut_attempts_message_incomplete_without_its_text_so_output_text_is_the_committed_text()
    {
        // What the SDKs compute as output_text: every message's output_text parts, joined.
        static string OutputText(JsonNode response) => string.Concat(response["output"]!.AsArray()
            .Where(i => (string)i!["type"]! == "message").SelectMany(i => i!["content"]!.AsArray()).Select(c => (string)c!["text"]!));

        var p = Fold(0, Journal.Length);
        var messages = p.Response()["output"]!.AsArray().Where(i => (string)i!["type"]! == "message").ToList();
        var final = p.Events.Single(e => e.Type == "response.completed").Json["response"]!;

        Assert.Equal(["incomplete", "incomplete", "completed"], messages.Select(i => (string)i!["status"]!));
        Assert.Equal([0, 0, 1], messages.Select(i => i!["content"]!.AsArray().Count));
        Assert.Equal("Hello, world.", OutputText(p.Response()));
        Assert.Equal("Hello, world.", OutputText(final));

        // The stream keeps what each attempt streamed, the same on every replay.
        var done = p.Events.Where(e => e.Type == "response.output_item.done" && (string)e.Json["item"]!["type"]! == "message");
        Assert.Equal(["Hel", "Hello, ", "Hello, world."], done.Select(e => (string)e.Json["item"]!["content"]![0]!["text"]!));
        Assert.Equal(Stream(p), Stream(Fold(0, Journal.Length)));
    }

    [Fact]
    public void A_question_ends_the_response_completed_and_the_response_that_answers_it_runs_from_there_to_the_end()
    {
        var first = Fold(0, Journal.Length);
        Assert.True(first.Ended);
        var response = first.Response();
        Assert.Equal("completed", (string)response["status"]!);
        var request = response["output"]!.AsArray()[^1]!;
        Assert.Equal("mcp_approval_request", (string)request["type"]!);
        Assert.Equal("mcpr_12", (string)request["id"]!);
        Assert.Equal("""{"x":1}""", (string)request["arguments"]!);
        var read = response["output"]!.AsArray().Single(i => (string)i!["type"]! == "mcp_call")!;
        Assert.Equal("text of a.md", (string)read["output"]!);
        Assert.Equal(14, (long)response["usage"]!["total_tokens"]!);

        var next = Fold(12, Journal.Length);
        Assert.Equal("completed", next.Status);
        var output = next.Response()["output"]!.AsArray();
        Assert.Equal(["mcp_call", "message"], output.Select(i => (string)i!["type"]!));
        Assert.Equal("""{"x":1}""", (string)output[0]!["arguments"]!); // the arguments the person was asked about
        Assert.Equal("""{"id":"p-1"}""", (string)output[0]!["output"]!);
        Assert.Equal(22, (long)next.Response()["usage"]!["total_tokens"]!);
        Assert.Equal("response.created", next.Events[0].Type);
    }

    [Fact]
    public void A_failed_run_ends_its_response_failed_with_the_error_and_no_event_type_outside_the_reference()
    {
        var p = new ResponseProjector(new ResponseHeader("resp_r-1", Run, 0, "a", true, [], DateTimeOffset.UnixEpoch, null));
        p.Apply(new RunEvent(Run, 1, "run.started", DateTimeOffset.UnixEpoch, "{}"));
        p.Apply(new RunEvent(Run, 2, "run.failed", DateTimeOffset.UnixEpoch, """{"steps":0,"error":"The model is gone."}"""));

        Assert.Equal("failed", p.Status);
        Assert.Equal("The model is gone.", (string)p.Response()["error"]!["message"]!);
        Assert.All(Fold(0, Journal.Length).Events.Concat(p.Events), e => Assert.Contains(e.Type, (string[])[
            "response.created", "response.queued", "response.in_progress", "response.output_item.added", "response.output_item.done",
            "response.content_part.added", "response.content_part.done", "response.output_text.delta", "response.output_text.done",
            "response.completed", "response.failed", "response.cancelled"]));
    }

    [Fact]
    public void Timer_and_child_run_events_add_nothing_to_the_response_and_no_event_type_outside_the_reference()
    {
        (string Type, string Data)[] journal =
        [
            ("run.started", """{"agent":"bench","version":"v","owner":"o","input":{},"activation":"x"}"""),
            ("step.started", """{"step":0,"name":"bench.children","idempotencyKey":"k:0","args":{"count":1}}"""),
            ("child.started", """{"step":0,"runId":"r-1::0.0","agent":"bench"}"""),
            ("child.finished", """{"step":0,"runId":"r-1::0.0","status":"failed","error":"boom"}"""),
            ("step.completed", """{"step":0,"name":"bench.children","durationMs":5,"result":{"children":[]}}"""),
            ("step.started", """{"step":1,"name":"bench.sleep","idempotencyKey":"k:1","args":{"ms":10}}"""),
            ("timer.started", """{"step":1,"until":"1970-01-01T00:00:10+00:00"}"""),
            ("run.resumed", """{"step":1,"silo":"s2","activation":"y"}"""),
            ("timer.fired", """{"step":1,"until":"1970-01-01T00:00:10+00:00","firedAt":"1970-01-01T00:00:10+00:00","early":false}"""),
            ("step.completed", """{"step":1,"name":"bench.sleep","durationMs":10,"result":{"early":false}}"""),
            ("run.succeeded", """{"steps":2,"output":{"steps":0}}"""),
        ];
        var p = new ResponseProjector(new ResponseHeader("resp_r-1", Run, 0, "bench", true, [], DateTimeOffset.UnixEpoch, null));
        var without = new ResponseProjector(new ResponseHeader("resp_r-1", Run, 0, "bench", true, [], DateTimeOffset.UnixEpoch, null));
        var seq = 0;
        foreach (var (type, data) in journal)
        {
            p.Apply(new RunEvent(Run, ++seq, type, DateTimeOffset.UnixEpoch.AddSeconds(seq), data));
            if (!type.StartsWith("timer.", StringComparison.Ordinal) && !type.StartsWith("child.", StringComparison.Ordinal))
            {
                without.Apply(new RunEvent(Run, seq, type, DateTimeOffset.UnixEpoch.AddSeconds(seq), data));
            }
        }

        Assert.Equal("completed", p.Status);
        Assert.Equal(Stream(without), Stream(p));
        Assert.Equal("""{"steps":0}""", (string)p.Response()["output"]!.AsArray().Single()!["content"]![0]!["text"]!);
        Assert.All(p.Events, e => Assert.Contains(e.Type, (string[])[
            "response.created", "response.queued", "response.in_progress", "response.output_item.added", "response.output_item.done",
            "response.content_part.added", "response.content_part.done", "response.output_text.delta", "response.output_text.done",
            "response.completed"]));
    }

    [Fact]
    public void A_tool_step_the_run_did_itself_is_an_mcp_call_whose_output_is_its_whole_result_and_a_refusal_fails_it()
    {
        var projector = new ResponseProjector(new ResponseHeader(ResponseIds.Response(Run, 0), Run, 0, "a", true, [], DateTimeOffset.UnixEpoch, null));
        (string Type, string Data)[] journal =
        [
            ("run.started", """{"agent":"a","version":"v","owner":"o","input":{},"activation":"x"}"""),
            ("step.started", """{"step":0,"name":"tool:delegate_tasks","idempotencyKey":"k:0","args":{"callId":"c1","tool":"delegate_tasks","arguments":{"tasks":[]}}}"""),
            ("step.completed", """{"step":0,"name":"tool:delegate_tasks","durationMs":5,"result":{"children":[{"runId":"r-1::0.0","agent":"b","status":"failed","error":"no"}]}}"""),
            ("step.started", """{"step":1,"name":"tool:delegate_tasks","idempotencyKey":"k:1","args":{"callId":"c2","tool":"delegate_tasks","arguments":{"tasks":[]}}}"""),
            ("step.completed", """{"step":1,"name":"tool:delegate_tasks","durationMs":5,"result":{"error":"A run may start at most 0 child runs."}}"""),
        ];
        foreach (var (e, i) in journal.Select((e, i) => (e, i)))
        {
            projector.Apply(new RunEvent(Run, i + 1, e.Type, DateTimeOffset.UnixEpoch.AddSeconds(i), e.Data));
        }

        var calls = projector.Response()["output"]!.AsArray();
        Assert.Equal(["delegate_tasks", "delegate_tasks"], calls.Select(c => (string)c!["name"]!));
        Assert.Equal(("completed", """{"children":[{"runId":"r-1::0.0","agent":"b","status":"failed","error":"no"}]}"""), ((string)calls[0]!["status"]!, (string)calls[0]!["output"]!));
        Assert.Equal(("failed", "A run may start at most 0 child runs."), ((string)calls[1]!["status"]!, (string)calls[1]!["error"]!));
    }
}
