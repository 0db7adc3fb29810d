using OrleansAgents.Cli.Output;
using Spectre.Console;

namespace OrleansAgents.Cli.Tests;

/// <summary>How <c>watch</c> shows the events of a model/tool agent (docs/EVENTS.md), without a cluster.</summary>
public sealed class EventPrinterTests
{
    private static string Render(params string[] events)
    {
        using var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 4096;
        var printer = new EventPrinter(console, output, "r-1");
        foreach (var e in events)
        {
            printer.Print(Json.Parse(e));
        }

        printer.EndText();
        return output.ToString().ReplaceLineEndings("\n");
    }

    [Fact]
    public void ModelSteps_ShowNameDurationTokens_AndStreamedTextInline()
    {
        var text = Render(
            """{"runId":"r-1","seq":2,"type":"step.started","at":"2026-11-26T17:00:00+00:00","data":{"step":0,"name":"model","idempotencyKey":"r-1:0","args":{"messages":[],"tools":["send_email","search"]}}}""",
            """{"runId":"r-1","seq":3,"type":"step.delta","at":"2026-11-26T17:00:00.1+00:00","data":{"step":0,"text":"Hello "}}""",
            """{"runId":"r-1","seq":4,"type":"step.delta","at":"2026-11-26T17:00:00.2+00:00","data":{"step":0,"text":"world"}}""",
            """{"runId":"r-1","seq":5,"type":"step.completed","at":"2026-11-26T17:00:01.5+00:00","data":{"step":0,"name":"model","durationMs":1520.5,"result":{"text":"Hello world","toolCalls":[{"callId":"c1","name":"send_email","arguments":{"to":"a@b.c"}}],"finishReason":"toolCalls","model":"m"},"usage":{"inputTokens":120,"outputTokens":45,"totalTokens":165}}}""");

        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()).ToList();
        Assert.Equal("#2 step 0 started     model  (2 tools)", lines[0]);
        Assert.Equal("Hello world", lines[1]);
        Assert.StartsWith("#5 step 0 completed   model  1.5 s  tokens 120 in / 45 out  -> send_email({\"to\":\"a@b.c\"})", lines[2], StringComparison.Ordinal);
        Assert.DoesNotContain("\"Hello world\"", lines[2], StringComparison.Ordinal);
    }

    [Fact]
    public void ToolCallsAndApprovals_ShowArguments_TheRequest_AndHowToAnswerIt()
    {
        var text = Render(
            """{"runId":"r-1","seq":4,"type":"tool.intent","at":"2026-11-26T17:00:02+00:00","data":{"step":1,"tool":"send_email","idempotencyKey":"r-1:1"}}""",
            """{"runId":"r-1","seq":5,"type":"input.requested","at":"2026-11-26T17:00:02+00:00","data":{"step":1,"kind":"approval","tool":"send_email","arguments":{"to":"a@b.c"},"question":"Send it?"}}""",
            """{"runId":"r-1","seq":6,"type":"input.approved","at":"2026-11-26T17:00:03+00:00","data":{"step":1,"comment":"fine"}}""",
            """{"runId":"r-1","seq":7,"type":"step.started","at":"2026-11-26T17:00:03+00:00","data":{"step":1,"name":"tool:send_email","idempotencyKey":"r-1:1","args":{"callId":"c1","tool":"send_email","arguments":{"to":"a@b.c"}}}}""",
            """{"runId":"r-1","seq":8,"type":"step.completed","at":"2026-11-26T17:00:04+00:00","data":{"step":1,"name":"tool:send_email","durationMs":250,"result":{"callId":"c1","tool":"send_email","output":"sent"}}}""",
            """{"runId":"r-1","seq":9,"type":"run.failed","at":"2026-11-26T17:00:05+00:00","data":{"steps":2,"error":"model unavailable","step":2}}""");

        Assert.Contains("#5 input requested    approval for send_email({\"to\":\"a@b.c\"}): Send it?", text, StringComparison.Ordinal);
        Assert.Contains("answer: oagents run approve r-1 --question 5 [--comment ...]  |  oagents run reject r-1 --question 5 [--reason ...]", text, StringComparison.Ordinal);
        Assert.Contains("#6 input approved     fine", text, StringComparison.Ordinal);
        Assert.Contains("#7 step 1 started     tool:send_email  send_email({\"to\":\"a@b.c\"})", text, StringComparison.Ordinal);
        Assert.Contains("#8 step 1 completed   tool:send_email  250 ms  => sent", text, StringComparison.Ordinal);
        Assert.Contains("#9 run failed         at step 2: model unavailable", text, StringComparison.Ordinal);
    }
}
