using System.Globalization;
using System.Text.Json;
using Spectre.Console;

namespace OrleansAgents.Cli.Output;

/// <summary>
/// Human output for run events, one line per event (<c>#seq  what happened</c>); streamed model text
/// (<c>step.delta</c> drafts) is written inline as it arrives.
/// </summary>
public sealed class EventPrinter(IAnsiConsole console, TextWriter output, string runId)
{
    private bool _midText;
    private bool _streamedText;

    public void Print(JsonElement e)
    {
        var type = e.Text("type") ?? "?";
        var data = e.Property("data") ?? default;
        if (type == "step.delta" || e.Number("seq") is not { } seq)
        {
            if (data.Text("text") is { Length: > 0 } text)
            {
                if (!_midText)
                {
                    output.Write("      ");
                    _midText = true;
                }

                output.Write(text.ReplaceLineEndings("\n      "));
                output.Flush();
                _streamedText = true;
            }

            return;
        }

        EndText();
        var (label, detail) = Describe(type, data);
        console.MarkupLine($"[grey]{("#" + seq.ToString(CultureInfo.InvariantCulture)),5}[/] {label} {detail}".TrimEnd());
        if (type == "input.requested")
        {
            // The answer names this question, so it cannot approve a later one someone else's answer led to.
            var question = $"--question {seq.ToString(CultureInfo.InvariantCulture)}";
            console.MarkupLine($"      [grey]answer: oagents run approve {Markup.Escape(runId)} {question} [[--comment ...]]  |  oagents run reject {Markup.Escape(runId)} {question} [[--reason ...]][/]");
        }

        if (type is "step.completed" or "step.started")
        {
            _streamedText = false;
        }
    }

    /// <summary>Ends a line of streamed text, if one is open.</summary>
    public void EndText()
    {
        if (_midText)
        {
            output.WriteLine();
            _midText = false;
        }
    }

    private (string Label, string Detail) Describe(string type, JsonElement data)
    {
        var step = data.Number("step") is { } s ? s.ToString(CultureInfo.InvariantCulture) : "?";
        string E(string? text) => Markup.Escape(text ?? "");
        string Label(string text, string? colour = null) =>
            colour is null ? $"{text,-18}" : $"[{colour}]{text,-18}[/]";

        switch (type)
        {
            case "run.started":
                return (Label("run started", "bold"), E($"{data.Text("agent")} (version {JsonText.Compact(data.Property("version"))}) for {data.Text("owner")}; input {JsonText.Compact(data.Property("input"))}"));
            case "run.upgraded":
                return (Label("run upgraded", "yellow"), E($"agent version {data.Text("from")} → {data.Text("to")} (no silo hosts {data.Text("from")} any more)"));
            case "run.pinned":
                return (Label("run waits", "yellow"), E($"for a silo with agent version {data.Text("version")}, until {data.Text("until")}"));
            case "run.resumed":
                return (Label("run resumed", "yellow"), E($"on {data.Text("silo")}" + (data.Number("step") is { } rs ? $" at step {rs}" : "")));
            case "step.started":
                return (Label($"step {step} started"), E(StepArguments(data)));
            case "tool.intent":
                return (Label($"tool intent"), E($"{data.Text("tool")} (step {step}, key {data.Text("idempotencyKey")})"));
            case "step.retrying":
                return (Label($"step {step} retrying", "yellow"),
                    E($"attempt {JsonText.Compact(data.Property("attempt"))} failed: {JsonText.Compact(data.Property("error"))}; next in {JsonText.Duration(data.Real("delayMs") ?? 0)}"));
            case "input.requested":
                return (Label("input requested", "yellow"),
                    E($"{data.Text("kind")} for {data.Text("tool")}({JsonText.Compact(data.Property("arguments"))})" + (data.Text("question") is { } q ? $": {q}" : "")));
            case "input.approved":
                return (Label("input approved", "green"), E(data.Text("comment")));
            case "input.rejected":
                return (Label("input rejected", "red"), E(data.Text("reason")));
            case "input.message":
                return (Label("message"), E(JsonText.Compact(data.Property("message"), 500)));
            case "step.completed":
                return (Label($"step {step} completed", "green"), E(StepResult(data)));
            case "timer.started":
                return (Label($"step {step} sleeps", "yellow"), E($"until {data.Text("until")}"));
            case "timer.fired":
                return (Label($"step {step} woke", "yellow"),
                    E(data.Property("early") is { ValueKind: JsonValueKind.True } ? $"early ({data.Text("reason")}) at {data.Text("firedAt")}" : $"at {data.Text("firedAt")}"));
            case "child.started":
                return (Label("child started"), E($"{data.Text("runId")} ({data.Text("agent")}, step {step})"));
            case "child.finished":
                return (Label("child finished", data.Text("status") == "succeeded" ? "green" : "red"),
                    E($"{data.Text("runId")} {data.Text("status")}" + (data.Text("error") is { } ce ? $": {ce}" : data.Property("result") is { } cr ? $" {JsonText.Compact(cr)}" : "")));
            case "run.succeeded":
                return (Label("run succeeded", "green bold"),
                    E(Join($"{JsonText.Compact(data.Property("steps"))} steps", JsonText.Tokens(data.Property("usage")), Output(data.Property("output")))));
            case "run.failed":
                return (Label("run failed", "red bold"),
                    E((data.Number("step") is { } fs ? $"at step {fs}: " : "") + JsonText.Compact(data.Property("error"), 500)));
            case "run.cancelled":
                return (Label("run cancelled", "grey bold"), E(JsonText.Compact(data.Property("reason"))));
            default:
                return (Label(type), E(JsonText.Compact(data)));
        }
    }

    private static string StepArguments(JsonElement data)
    {
        var name = data.Text("name") ?? "";
        var args = data.Property("args");
        if (name.StartsWith("tool:", StringComparison.Ordinal))
        {
            return $"{name}  {args?.Text("tool") ?? name[5..]}({JsonText.Compact(args?.Property("arguments"), 300)})";
        }

        if (name == "model")
        {
            var tools = args?.Property("tools") is { ValueKind: JsonValueKind.Array } t ? t.GetArrayLength() : 0;
            return tools > 0 ? $"{name}  ({tools.ToString(CultureInfo.InvariantCulture)} tools)" : name;
        }

        return args is not { } a || (a.ValueKind == JsonValueKind.Object && !a.EnumerateObject().Any()) ? name : $"{name}  {JsonText.Compact(a, 120)}";
    }

    private string StepResult(JsonElement data)
    {
        var name = data.Text("name") ?? "";
        var parts = new List<string> { name, data.Real("durationMs") is { } ms ? JsonText.Duration(ms) : "", JsonText.Tokens(data.Property("usage")) };
        var result = data.Property("result");
        if (name == "model" && result is { } r)
        {
            if (!_streamedText && r.Text("text") is { Length: > 0 } text)
            {
                parts.Add($"\"{JsonText.Cut(text, 200)}\"");
            }

            if (r.Property("toolCalls") is { ValueKind: JsonValueKind.Array } calls)
            {
                parts.AddRange(calls.EnumerateArray().Select(c => $"-> {c.Text("name")}({JsonText.Compact(c.Property("arguments"), 200)})"));
            }
        }
        else if (name.StartsWith("tool:", StringComparison.Ordinal) && result is { } tr)
        {
            parts.Add(tr.Property("rejected") is { ValueKind: JsonValueKind.True } ? $"rejected: {tr.Text("reason")}"
                : tr.Property("error") is { } error ? $"error: {JsonText.Compact(error)}"
                : $"=> {JsonText.Compact(tr.Property("output") ?? tr)}"); // a step the run did itself (child runs) has no "output": its whole result
        }

        return Join([.. parts]);
    }

    private static string Output(JsonElement? output) => output is null ? "" : $"output {JsonText.Compact(output)}";

    private static string Join(params string[] parts) => string.Join("  ", parts.Where(p => p.Length > 0));
}
