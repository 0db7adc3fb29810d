using System.Text;
using System.Text.Json;
using OrleansAgents.Agents;

namespace OrleansAgents.Runs;

/// <summary>An event the run is about to commit, with the parsed step it carries, if any.</summary>
internal sealed record EventDraft(string Type, string Data, StepPlan? Started = null, CommittedStep? Completed = null)
{
    /// <summary>Tokens of a completed step, or of the whole run on a terminal event.</summary>
    public RunUsage? Usage { get; init; }

    /// <summary>The request of an <c>input.requested</c> event.</summary>
    public InputRequest? Request { get; init; }

    /// <summary>The text an event carries: a steer message, an approval's comment, a rejection's reason.</summary>
    public string? Text { get; init; }

    public static EventDraft RunStarted(RunHeader header) => new(RunEventTypes.RunStarted, Json(w =>
    {
        w.WriteString("agent", header.Agent);
        w.WriteString("version", header.AgentVersion);
        w.WriteString("owner", header.Owner);
        w.WritePropertyName("input");
        w.WriteRawValue(header.Input);
    }));

    public static EventDraft RunResumed(int? step, string silo) => new(RunEventTypes.RunResumed, Json(w =>
    {
        if (step is { } index)
        {
            w.WriteNumber("step", index);
        }

        w.WriteString("silo", silo);
    }));

    public static EventDraft StepStarted(string runId, StepPlan plan) => new(RunEventTypes.StepStarted, Json(w =>
    {
        w.WriteNumber("step", plan.Index);
        w.WriteString("name", plan.Name);
        w.WriteString("idempotencyKey", $"{runId}:{plan.Index}");
        w.WritePropertyName("args");
        w.WriteRawValue(plan.Args);
    }), Started: plan);

    public static EventDraft StepCompleted(CommittedStep step, double durationMs, RunUsage? usage) => new(RunEventTypes.StepCompleted, Json(w =>
    {
        w.WriteNumber("step", step.Index);
        w.WriteString("name", step.Name);
        w.WriteNumber("durationMs", Math.Round(durationMs, 3));
        w.WritePropertyName("result");
        w.WriteRawValue(step.Result);
        WriteUsage(w, usage);
    }), Completed: step) { Usage = usage };

    public static EventDraft ToolIntent(string runId, StepPlan plan, string tool) => new(RunEventTypes.ToolIntent, Json(w =>
    {
        w.WriteNumber("step", plan.Index);
        w.WriteString("tool", tool);
        w.WriteString("idempotencyKey", $"{runId}:{plan.Index}");
    }));

    public static EventDraft StepRetrying(int step, int attempt, string error, double delayMs) => new(RunEventTypes.StepRetrying, Json(w =>
    {
        w.WriteNumber("step", step);
        w.WriteNumber("attempt", attempt);
        w.WriteString("error", error);
        w.WriteNumber("delayMs", Math.Round(delayMs));
    }));

    public static EventDraft InputRequested(InputRequest request) => new(RunEventTypes.InputRequested, Json(w =>
    {
        w.WriteNumber("step", request.Step);
        w.WriteString("kind", request.Kind);
        w.WriteString("tool", request.Tool);
        w.WritePropertyName("arguments");
        w.WriteRawValue(request.Arguments);
        w.WriteString("question", request.Question);
    })) { Request = request };

    public static EventDraft InputDecided(bool approved, int step, string? text) => new(
        approved ? RunEventTypes.InputApproved : RunEventTypes.InputRejected, Json(w =>
        {
            w.WriteNumber("step", step);
            if (text is not null)
            {
                w.WriteString(approved ? "comment" : "reason", text);
            }
        })) { Text = text };

    public static EventDraft RunSucceeded(string output, int steps, RunUsage? usage = null) => new(RunEventTypes.RunSucceeded, Json(w =>
    {
        w.WriteNumber("steps", steps);
        w.WritePropertyName("output");
        w.WriteRawValue(output);
        WriteUsage(w, usage);
    })) { Usage = usage };

    public static EventDraft RunFailed(string error, int? step, int steps, RunUsage? usage = null) => new(RunEventTypes.RunFailed, Json(w =>
    {
        w.WriteString("error", error);
        w.WriteNumber("steps", steps);
        if (step is { } index)
        {
            w.WriteNumber("step", index);
        }

        WriteUsage(w, usage);
    })) { Usage = usage };

    public static EventDraft RunCancelled(string? reason, int steps, RunUsage? usage = null) => new(RunEventTypes.RunCancelled, Json(w =>
    {
        w.WriteString("reason", reason ?? "cancelled by request");
        w.WriteNumber("steps", steps);
        WriteUsage(w, usage);
    })) { Usage = usage };

    public static EventDraft InputMessage(string message) => new(RunEventTypes.InputMessage, Json(w =>
        w.WriteString("message", message))) { Text = message };

    private static void WriteUsage(Utf8JsonWriter w, RunUsage? usage)
    {
        if (usage is null || usage.TotalTokens == 0)
        {
            return;
        }

        w.WriteStartObject("usage");
        w.WriteNumber("inputTokens", usage.InputTokens);
        w.WriteNumber("outputTokens", usage.OutputTokens);
        w.WriteNumber("totalTokens", usage.TotalTokens);
        w.WriteEndObject();
    }

    private static RunUsage? ReadUsage(JsonElement root) =>
        root.TryGetProperty("usage", out var u) && u.ValueKind == JsonValueKind.Object
            ? new RunUsage(
                u.TryGetProperty("inputTokens", out var i) ? i.GetInt64() : 0,
                u.TryGetProperty("outputTokens", out var o) ? o.GetInt64() : 0,
                u.TryGetProperty("totalTokens", out var t) ? t.GetInt64() : 0)
            : null;

    private static string? ReadString(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>Rebuilds a draft from a stored event, parsing what the run's progress needs from it.</summary>
    public static EventDraft FromStored(RunEvent stored)
    {
        switch (stored.Type)
        {
            case RunEventTypes.StepStarted:
            {
                using var doc = JsonDocument.Parse(stored.Data);
                var root = doc.RootElement;
                var plan = new StepPlan(root.GetProperty("step").GetInt32(), root.GetProperty("name").GetString()!, root.GetProperty("args").GetRawText());
                return new EventDraft(stored.Type, stored.Data, Started: plan);
            }

            case RunEventTypes.StepCompleted:
            {
                using var doc = JsonDocument.Parse(stored.Data);
                var root = doc.RootElement;
                var step = new CommittedStep(root.GetProperty("step").GetInt32(), root.GetProperty("name").GetString()!, root.GetProperty("result").GetRawText());
                return new EventDraft(stored.Type, stored.Data, Completed: step) { Usage = ReadUsage(root) };
            }

            case RunEventTypes.InputRequested:
            {
                using var doc = JsonDocument.Parse(stored.Data);
                var root = doc.RootElement;
                var request = new InputRequest(
                    root.GetProperty("step").GetInt32(), ReadString(root, "kind") ?? InputRequestKinds.Approval, ReadString(root, "tool") ?? "",
                    root.TryGetProperty("arguments", out var args) ? args.GetRawText() : "{}", ReadString(root, "question") ?? "");
                return new EventDraft(stored.Type, stored.Data) { Request = request };
            }

            case RunEventTypes.InputApproved or RunEventTypes.InputRejected or RunEventTypes.InputMessage:
            {
                using var doc = JsonDocument.Parse(stored.Data);
                var root = doc.RootElement;
                var text = ReadString(root, "message") ?? ReadString(root, "comment") ?? ReadString(root, "reason");
                return new EventDraft(stored.Type, stored.Data) { Text = text };
            }

            case RunEventTypes.RunSucceeded or RunEventTypes.RunFailed or RunEventTypes.RunCancelled:
            {
                using var doc = JsonDocument.Parse(stored.Data);
                return new EventDraft(stored.Type, stored.Data) { Usage = ReadUsage(doc.RootElement) };
            }

            default:
                return new EventDraft(stored.Type, stored.Data);
        }
    }

    private static string Json(Action<Utf8JsonWriter> body)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
