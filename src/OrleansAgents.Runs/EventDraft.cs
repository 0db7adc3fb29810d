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

    /// <summary>
    /// The text an event carries: a steer message, an approval's comment, a rejection's reason; a failed or
    /// cancelled run's error or reason.
    /// </summary>
    public string? Text { get; init; }

    /// <summary>The caller's idempotency key of a steer message or an input decision.</summary>
    public string? Key { get; init; }

    /// <summary>The activation that started or resumed the run (<c>run.started</c>, <c>run.resumed</c>).</summary>
    public string? Activation { get; init; }

    /// <summary>The step an intent, a retry, a request, a decision or a step failure is about.</summary>
    public int? Step { get; init; }

    /// <summary>A succeeded run's output as JSON text.</summary>
    public string? Output { get; init; }

    /// <summary>Committed steps, as a terminal event counts them.</summary>
    public int? StepCount { get; init; }

    /// <summary>The agent version a run started with (<c>run.started</c>), upgraded to (<c>run.upgraded</c>) or waits for (<c>run.pinned</c>).</summary>
    public string? Version { get; init; }

    /// <summary>When a pinned run fails if no silo hosts its version.</summary>
    public DateTimeOffset? Until { get; init; }

    public static EventDraft RunStarted(RunHeader header, string activation) => new(RunEventTypes.RunStarted, Json(w =>
    {
        w.WriteString("agent", header.Agent);
        w.WriteString("version", header.AgentVersion);
        w.WriteString("owner", header.Owner);
        w.WritePropertyName("input");
        w.WriteRawValue(header.Input);
        w.WriteString("activation", activation);
    })) { Activation = activation, Version = header.AgentVersion };

    public static EventDraft RunUpgraded(string from, string to) => new(RunEventTypes.RunUpgraded, Json(w =>
    {
        w.WriteString("from", from);
        w.WriteString("to", to);
    })) { Version = to };

    public static EventDraft RunPinned(string version, DateTimeOffset until) => new(RunEventTypes.RunPinned, Json(w =>
    {
        w.WriteString("version", version);
        w.WriteString("until", until);
    })) { Version = version, Until = until };

    public static EventDraft RunResumed(int? step, string silo, string activation, Core.RunLoad? load = null) => new(RunEventTypes.RunResumed, Json(w =>
    {
        if (step is { } index)
        {
            w.WriteNumber("step", index);
        }

        w.WriteString("silo", silo);
        w.WriteString("activation", activation);
        if (load is not null)
        {
            w.WriteStartObject("read");
            w.WriteNumber("snapshotSeq", load.SnapshotSeq);
            w.WriteNumber("events", load.Events);
            w.WriteNumber("ms", Math.Round(load.Milliseconds, 3));
            w.WriteEndObject();
        }
    })) { Activation = activation };

    public static EventDraft StepStarted(string keyPrefix, StepPlan plan) => new(RunEventTypes.StepStarted, Json(w =>
    {
        w.WriteNumber("step", plan.Index);
        w.WriteString("name", plan.Name);
        w.WriteString("idempotencyKey", $"{keyPrefix}:{plan.Index}");
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

    public static EventDraft ToolIntent(string keyPrefix, int step, string tool) => new(RunEventTypes.ToolIntent, Json(w =>
    {
        w.WriteNumber("step", step);
        w.WriteString("tool", tool);
        w.WriteString("idempotencyKey", $"{keyPrefix}:{step}");
    })) { Step = step };

    /// <summary>A draft of the pending step's streamed text: the piece after what its attempt has drafted so far.</summary>
    public static EventDraft StepDelta(int step, string text) => new(RunEventTypes.StepDelta, Json(w =>
    {
        w.WriteNumber("step", step);
        w.WriteString("text", text);
    })) { Step = step, Text = text };

    public static EventDraft StepRetrying(int step, int attempt, string error, double delayMs) => new(RunEventTypes.StepRetrying, Json(w =>
    {
        w.WriteNumber("step", step);
        w.WriteNumber("attempt", attempt);
        w.WriteString("error", error);
        w.WriteNumber("delayMs", Math.Round(delayMs));
    })) { Step = step };

    public static EventDraft InputRequested(InputRequest request) => new(RunEventTypes.InputRequested, Json(w =>
    {
        w.WriteNumber("step", request.Step);
        w.WriteString("kind", request.Kind);
        w.WriteString("tool", request.Tool);
        w.WritePropertyName("arguments");
        w.WriteRawValue(request.Arguments);
        w.WriteString("question", request.Question);
    })) { Request = request, Step = request.Step };

    public static EventDraft InputDecided(bool approved, int step, string? text, string? key) => new(
        approved ? RunEventTypes.InputApproved : RunEventTypes.InputRejected, Json(w =>
        {
            w.WriteNumber("step", step);
            if (text is not null)
            {
                w.WriteString(approved ? "comment" : "reason", text);
            }

            if (key is not null)
            {
                w.WriteString("key", key);
            }
        })) { Text = text, Key = key, Step = step };

    public static EventDraft RunSucceeded(string output, int steps, RunUsage? usage = null) => new(RunEventTypes.RunSucceeded, Json(w =>
    {
        w.WriteNumber("steps", steps);
        w.WritePropertyName("output");
        w.WriteRawValue(output);
        WriteUsage(w, usage);
    })) { Usage = usage, Output = output, StepCount = steps };

    public static EventDraft RunFailed(string error, int? step, int steps, RunUsage? usage = null) => new(RunEventTypes.RunFailed, Json(w =>
    {
        w.WriteString("error", error);
        w.WriteNumber("steps", steps);
        if (step is { } index)
        {
            w.WriteNumber("step", index);
        }

        WriteUsage(w, usage);
    })) { Usage = usage, Text = error, StepCount = steps };

    public static EventDraft RunCancelled(string? reason, int steps, RunUsage? usage = null) => new(RunEventTypes.RunCancelled, Json(w =>
    {
        w.WriteString("reason", reason ?? "cancelled by request");
        w.WriteNumber("steps", steps);
        WriteUsage(w, usage);
    })) { Usage = usage, Text = reason ?? "cancelled by request", StepCount = steps };

    public static EventDraft InputMessage(string message, string? key) => new(RunEventTypes.InputMessage, Json(w =>
    {
        w.WriteString("message", message);
        if (key is not null)
        {
            w.WriteString("key", key);
        }
    })) { Text = message, Key = key };

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

    private static int? ReadInt(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt32() : null;

    /// <summary>
    /// Rebuilds a draft from a stored event, parsing what the run's state needs from it.
    /// Throws <see cref="JsonException"/> or <see cref="InvalidOperationException"/> for data it cannot read.
    /// </summary>
    public static EventDraft FromStored(RunEvent stored)
    {
        using var doc = JsonDocument.Parse(stored.Data);
        var root = doc.RootElement;
        switch (stored.Type)
        {
            case RunEventTypes.StepStarted:
            {
                var plan = new StepPlan(root.GetProperty("step").GetInt32(), root.GetProperty("name").GetString()!, root.GetProperty("args").GetRawText());
                return new EventDraft(stored.Type, stored.Data, Started: plan);
            }

            case RunEventTypes.StepCompleted:
            {
                var step = new CommittedStep(root.GetProperty("step").GetInt32(), root.GetProperty("name").GetString()!, root.GetProperty("result").GetRawText());
                return new EventDraft(stored.Type, stored.Data, Completed: step) { Usage = ReadUsage(root) };
            }

            case RunEventTypes.InputRequested:
            {
                var request = new InputRequest(
                    root.GetProperty("step").GetInt32(), ReadString(root, "kind") ?? InputRequestKinds.Approval, ReadString(root, "tool") ?? "",
                    root.TryGetProperty("arguments", out var args) ? args.GetRawText() : "{}", ReadString(root, "question") ?? "");
                return new EventDraft(stored.Type, stored.Data) { Request = request, Step = request.Step };
            }

            case RunEventTypes.InputApproved or RunEventTypes.InputRejected or RunEventTypes.InputMessage:
                return new EventDraft(stored.Type, stored.Data)
                {
                    Text = ReadString(root, "message") ?? ReadString(root, "comment") ?? ReadString(root, "reason"),
                    Key = ReadString(root, "key"),
                    Step = ReadInt(root, "step"),
                };

            case RunEventTypes.StepDelta:
                return new EventDraft(stored.Type, stored.Data) { Step = root.GetProperty("step").GetInt32(), Text = root.GetProperty("text").GetString() };

            case RunEventTypes.ToolIntent or RunEventTypes.StepRetrying:
                return new EventDraft(stored.Type, stored.Data) { Step = root.GetProperty("step").GetInt32() };

            case RunEventTypes.RunStarted or RunEventTypes.RunResumed:
                return new EventDraft(stored.Type, stored.Data) { Activation = ReadString(root, "activation"), Version = ReadString(root, "version") };

            case RunEventTypes.RunUpgraded:
                return new EventDraft(stored.Type, stored.Data) { Version = root.GetProperty("to").GetString() };

            case RunEventTypes.RunPinned:
                return new EventDraft(stored.Type, stored.Data) { Version = root.GetProperty("version").GetString(), Until = root.GetProperty("until").GetDateTimeOffset() };

            case RunEventTypes.RunSucceeded or RunEventTypes.RunFailed or RunEventTypes.RunCancelled:
                return new EventDraft(stored.Type, stored.Data)
                {
                    Usage = ReadUsage(root),
                    Output = root.TryGetProperty("output", out var output) ? output.GetRawText() : null,
                    Text = ReadString(root, "error") ?? ReadString(root, "reason"),
                    StepCount = ReadInt(root, "steps") ?? 0,
                };

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
