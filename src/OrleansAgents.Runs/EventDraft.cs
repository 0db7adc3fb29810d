using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using OrleansAgents.Agents;
using OrleansAgents.Runs.Events;

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

    /// <summary>When a pinned run fails if no silo hosts its version; when a timer wakes its step.</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>The child run a <c>child.started</c> or <c>child.finished</c> is about.</summary>
    public Core.ChildRun? Child { get; init; }

    /// <summary>A terminal event's record of the run's children, so a finished run read from its last event still shows them.</summary>
    public IReadOnlyList<Core.ChildRun>? Children { get; init; }

    /// <summary>This terminal event with the run's children appended to its data (<c>children: [{ runId, agent, step, status }]</c>, status as last heard).</summary>
    public EventDraft WithChildren(IReadOnlyList<Core.ChildRun> children)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (var c in children)
            {
                json.WriteStartObject();
                json.WriteString("runId", c.RunId);
                json.WriteString("agent", c.Agent);
                json.WriteNumber("step", c.Step);
                json.WriteString("status", RunStatusText(c.Status));
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        // The payload is an object: the fields it has stay byte for byte, the children come last.
        return this with { Data = $"{Data[..^1]},\"children\":{System.Text.Encoding.UTF8.GetString(buffer.ToArray())}}}", Children = children };
    }

    public static EventDraft TimerStarted(int step, DateTimeOffset until) => new(RunEventTypes.TimerStarted, Json(
        new TimerStartedData(step, until), Payloads.TimerStartedData))
    { Step = step, Until = until };

    public static EventDraft TimerFired(int step, DateTimeOffset until, DateTimeOffset firedAt, string? earlyReason) => new(RunEventTypes.TimerFired, Json(
        new TimerFiredData(step, until, firedAt, earlyReason is not null, earlyReason), Payloads.TimerFiredData))
    { Step = step };

    public static EventDraft ChildStarted(Core.ChildRun child) => new(RunEventTypes.ChildStarted, Json(
        new ChildStartedData(child.Step, child.RunId, child.Agent), Payloads.ChildStartedData))
    { Step = child.Step, Child = child };

    public static EventDraft ChildFinished(Core.ChildRun child) => new(RunEventTypes.ChildFinished, Json(
        new ChildFinishedData(child.Step, child.RunId, child.Agent, RunStatusText(child.Status), child.Result is null ? null : new RawJson(child.Result), child.Error),
        Payloads.ChildFinishedData))
    { Step = child.Step, Child = child };

    /// <summary>A run status as events and APIs write it: <c>succeeded</c>, <c>failed</c>, <c>cancelled</c>.</summary>
    public static string RunStatusText(RunStatus? status) => status switch
    {
        RunStatus.Succeeded => "succeeded",
        RunStatus.Failed => "failed",
        RunStatus.Cancelled => "cancelled",
        RunStatus.WaitingForInput => "waitingForInput",
        RunStatus.Pending => "pending",
        _ => "running",
    };

    private static RunStatus? ParseStatus(string? text) => text switch
    {
        "succeeded" => RunStatus.Succeeded,
        "failed" => RunStatus.Failed,
        "cancelled" => RunStatus.Cancelled,
        _ => null,
    };

    public static EventDraft RunStarted(RunHeader header, string activation) => new(RunEventTypes.RunStarted, Json(
        new RunStartedData(header.Agent, header.AgentVersion, header.Owner, new RawJson(header.Input), activation), Payloads.RunStartedData))
    { Activation = activation, Version = header.AgentVersion };

    public static EventDraft RunUpgraded(string from, string to) => new(RunEventTypes.RunUpgraded, Json(
        new RunUpgradedData(from, to), Payloads.RunUpgradedData))
    { Version = to };

    public static EventDraft RunPinned(string version, DateTimeOffset until) => new(RunEventTypes.RunPinned, Json(
        new RunPinnedData(version, until), Payloads.RunPinnedData))
    { Version = version, Until = until };

    public static EventDraft RunResumed(int? step, string silo, string activation, Core.RunLoad? load = null) => new(RunEventTypes.RunResumed, Json(
        new RunResumedData(step, silo, activation, load is null ? null : new RunResumedRead(load.SnapshotSeq, load.Events, Math.Round(load.Milliseconds, 3))),
        Payloads.RunResumedData))
    { Activation = activation };

    public static EventDraft StepStarted(string keyPrefix, StepPlan plan) => new(RunEventTypes.StepStarted, Json(
        new StepStartedData(plan.Index, plan.Name, $"{keyPrefix}:{plan.Index}", new RawJson(plan.Args)), Payloads.StepStartedData),
        Started: plan);

    public static EventDraft StepCompleted(CommittedStep step, double durationMs, RunUsage? usage) => new(RunEventTypes.StepCompleted, Json(
        new StepCompletedData(step.Index, step.Name, Math.Round(durationMs, 3), new RawJson(step.Result), Written(usage)), Payloads.StepCompletedData),
        Completed: step)
    { Usage = usage };

    public static EventDraft ToolIntent(string keyPrefix, int step, string tool) => new(RunEventTypes.ToolIntent, Json(
        new ToolIntentData(step, tool, $"{keyPrefix}:{step}"), Payloads.ToolIntentData))
    { Step = step };

    /// <summary>A draft of the pending step's streamed text: the piece after what its attempt has drafted so far.</summary>
    public static EventDraft StepDelta(int step, string text) => new(RunEventTypes.StepDelta, Json(
        new StepDeltaData(step, text), Payloads.StepDeltaData))
    { Step = step, Text = text };

    public static EventDraft StepRetrying(int step, int attempt, string error, double delayMs) => new(RunEventTypes.StepRetrying, Json(
        new StepRetryingData(step, attempt, error, Math.Round(delayMs)), Payloads.StepRetryingData))
    { Step = step };

    public static EventDraft InputRequested(InputRequest request) => new(RunEventTypes.InputRequested, Json(
        new InputRequestedData(request.Step, request.Kind, request.Tool, new RawJson(request.Arguments), request.Question), Payloads.InputRequestedData))
    { Request = request, Step = request.Step };

    public static EventDraft InputDecided(bool approved, int step, string? text, string? key) => approved
        ? new(RunEventTypes.InputApproved, Json(new InputApprovedData(step, text, key), Payloads.InputApprovedData)) { Text = text, Key = key, Step = step }
        : new(RunEventTypes.InputRejected, Json(new InputRejectedData(step, text, key), Payloads.InputRejectedData)) { Text = text, Key = key, Step = step };

    public static EventDraft RunSucceeded(string output, int steps, RunUsage? usage = null) => new(RunEventTypes.RunSucceeded, Json(
        new RunSucceededData(steps, new RawJson(output), Written(usage)), Payloads.RunSucceededData))
    { Usage = usage, Output = output, StepCount = steps };

    public static EventDraft RunFailed(string error, int? step, int steps, RunUsage? usage = null) => new(RunEventTypes.RunFailed, Json(
        new RunFailedData(error, steps, step, Written(usage)), Payloads.RunFailedData))
    { Usage = usage, Text = error, StepCount = steps };

    public static EventDraft RunCancelled(string? reason, int steps, RunUsage? usage = null) => new(RunEventTypes.RunCancelled, Json(
        new RunCancelledData(reason ?? "cancelled by request", steps, Written(usage)), Payloads.RunCancelledData))
    { Usage = usage, Text = reason ?? "cancelled by request", StepCount = steps };

    public static EventDraft InputMessage(string message, string? key) => new(RunEventTypes.InputMessage, Json(
        new InputMessageData(message, key), Payloads.InputMessageData))
    { Text = message, Key = key };

    private static RunEventJsonContext Payloads => RunEventJsonContext.Default;

    /// <summary>The usage an event writes: none when it has no tokens.</summary>
    private static RunUsage? Written(RunUsage? usage) => usage is null || usage.TotalTokens == 0 ? null : usage;

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

            case RunEventTypes.TimerStarted:
                return new EventDraft(stored.Type, stored.Data) { Step = root.GetProperty("step").GetInt32(), Until = root.GetProperty("until").GetDateTimeOffset() };

            case RunEventTypes.TimerFired:
                return new EventDraft(stored.Type, stored.Data) { Step = root.GetProperty("step").GetInt32() };

            case RunEventTypes.ChildStarted:
            {
                var child = new Core.ChildRun(root.GetProperty("runId").GetString()!, root.GetProperty("agent").GetString()!, root.GetProperty("step").GetInt32());
                return new EventDraft(stored.Type, stored.Data) { Step = child.Step, Child = child };
            }

            case RunEventTypes.ChildFinished:
            {
                var child = new Core.ChildRun(root.GetProperty("runId").GetString()!, ReadString(root, "agent") ?? "", root.GetProperty("step").GetInt32(),
                    ParseStatus(ReadString(root, "status")) ?? throw new InvalidOperationException("child.finished without a final status"),
                    root.TryGetProperty("result", out var result) ? result.GetRawText() : null, ReadString(root, "error"));
                return new EventDraft(stored.Type, stored.Data) { Step = child.Step, Child = child };
            }

            case RunEventTypes.RunSucceeded or RunEventTypes.RunFailed or RunEventTypes.RunCancelled:
                return new EventDraft(stored.Type, stored.Data)
                {
                    Children = root.TryGetProperty("children", out var children) && children.ValueKind == JsonValueKind.Array
                        ? [.. children.EnumerateArray().Select(c => new Core.ChildRun(c.GetProperty("runId").GetString()!, c.GetProperty("agent").GetString()!,
                            c.GetProperty("step").GetInt32(), ParseStatus(ReadString(c, "status"))))]
                        : null,
                    Usage = ReadUsage(root),
                    Output = root.TryGetProperty("output", out var output) ? output.GetRawText() : null,
                    Text = ReadString(root, "error") ?? ReadString(root, "reason"),
                    StepCount = ReadInt(root, "steps") ?? 0,
                };

            default:
                return new EventDraft(stored.Type, stored.Data);
        }
    }

    private static string Json<T>(T data, JsonTypeInfo<T> info) => JsonSerializer.Serialize(data, info);
}
