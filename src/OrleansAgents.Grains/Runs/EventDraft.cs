using System.Text;
using System.Text.Json;
using OrleansAgents.Agents;

namespace OrleansAgents.Runs;

/// <summary>An event the run is about to commit, with the parsed step it carries, if any.</summary>
internal sealed record EventDraft(string Type, string Data, StepPlan? Started = null, CommittedStep? Completed = null)
{
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

    public static EventDraft StepCompleted(CommittedStep step, double durationMs) => new(RunEventTypes.StepCompleted, Json(w =>
    {
        w.WriteNumber("step", step.Index);
        w.WriteString("name", step.Name);
        w.WriteNumber("durationMs", Math.Round(durationMs, 3));
        w.WritePropertyName("result");
        w.WriteRawValue(step.Result);
    }), Completed: step);

    public static EventDraft RunSucceeded(string output, int steps) => new(RunEventTypes.RunSucceeded, Json(w =>
    {
        w.WriteNumber("steps", steps);
        w.WritePropertyName("output");
        w.WriteRawValue(output);
    }));

    public static EventDraft RunFailed(string error, int? step, int steps) => new(RunEventTypes.RunFailed, Json(w =>
    {
        w.WriteString("error", error);
        w.WriteNumber("steps", steps);
        if (step is { } index)
        {
            w.WriteNumber("step", index);
        }
    }));

    public static EventDraft RunCancelled(string? reason, int steps) => new(RunEventTypes.RunCancelled, Json(w =>
    {
        w.WriteString("reason", reason ?? "cancelled by request");
        w.WriteNumber("steps", steps);
    }));

    public static EventDraft InputMessage(string message) => new(RunEventTypes.InputMessage, Json(w =>
        w.WriteString("message", message)));

    /// <summary>Rebuilds a draft from a stored event, parsing the step it carries.</summary>
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
                return new EventDraft(stored.Type, stored.Data, Completed: step);
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
