using System.Text.Json;
using OrleansAgents.Runs;
using OrleansAgents.Runs.Events;

namespace OrleansAgents.Web.Apis;

/// <summary>The JSON shapes of the API: runs and events, with stored JSON written through untouched.</summary>
internal static class RunJson
{
    /// <summary><c>{ "runId", "seq", "type", "at", "data" }</c>, the stored payload as <c>data</c>, byte for byte.</summary>
    public static string Event(RunEvent e) => JsonSerializer.Serialize(RunEventEnvelope.Of(e), RunEventJsonContext.Default.RunEventEnvelope);

    /// <summary>
    /// UTF-8 JSON of an event, serialised once per event instance: a live event fanned out to many clients
    /// is the same object for all of them.
    /// </summary>
    public static byte[] EventUtf8(RunEvent e) =>
        Utf8Cache.GetValue(e, static e => JsonSerializer.SerializeToUtf8Bytes(RunEventEnvelope.Of(e), RunEventJsonContext.Default.RunEventEnvelope));

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<RunEvent, byte[]> Utf8Cache = new();

    public static string StatusName(RunStatus status) => status switch
    {
        RunStatus.Pending => "pending",
        RunStatus.Running => "running",
        RunStatus.WaitingForInput => "waitingForInput",
        RunStatus.Succeeded => "succeeded",
        RunStatus.Failed => "failed",
        RunStatus.Cancelled => "cancelled",
        _ => "none",
    };

    public static RunResource Resource(RunSnapshot run) => new(
        run.RunId, run.Agent, run.Owner, StatusName(run.Status), run.CreatedAt, run.UpdatedAt, run.LastSeq, run.Steps,
        Parse(run.Result), run.Error,
        run.Usage is { } u ? new UsageResource(u.InputTokens, u.OutputTokens, u.TotalTokens) : null,
        run.WaitingFor is { } w ? new WaitingForResource(w.Step, w.Kind, w.Tool, Parse(w.Arguments), w.Question, run.WaitingForSeq) : null,
        run.AgentVersion,
        run.WaitingForVersion is { } v ? new VersionWaitResource(v.Version, v.Until) : null)
    {
        Parent = run.Parent is { } p ? new ParentResource(p.RunId, p.Step, p.Depth) : null,
        Children = run.Children.Count == 0 ? null : [.. run.Children.Select(c => new ChildResource(c.RunId, c.Agent, c.Step, StatusName(c.Status)))],
        SleepingUntil = run.SleepingUntil,
    };

    private static JsonElement? Parse(string? json)
    {
        if (json is null)
        {
            return null;
        }

        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.Clone();
    }
}

/// <summary>
/// A run as the API shows it. <see cref="MaxSteps"/>, in run lists only and only when known: the number of
/// steps the run's input asks for (<c>input.steps</c>, as the bench agent's input gives it).
/// </summary>
public sealed record RunResource(
    string RunId,
    string Agent,
    string Owner,
    string Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    long LastSeq,
    int Steps,
    JsonElement? Result,
    string? Error,
    UsageResource? Usage = null,
    WaitingForResource? WaitingFor = null,
    string? AgentVersion = null,
    VersionWaitResource? WaitingForVersion = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] int? MaxSteps = null)
{
    /// <summary>The run that started this one, for a child run (single-run views only).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public ParentResource? Parent { get; init; }

    /// <summary>The child runs this run started, with their status as the parent last heard it (single-run views only).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ChildResource>? Children { get; init; }

    /// <summary>While the run sleeps on a durable timer: when it wakes.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public DateTimeOffset? SleepingUntil { get; init; }
}

/// <summary>The run that started a child run: its ID, the step, and the child's depth (1 for a child of a top-level run).</summary>
public sealed record ParentResource(string RunId, int Step, int Depth);

/// <summary>A child run as its parent knows it: <c>status</c> is <c>running</c> until the parent has heard that it ended.</summary>
public sealed record ChildResource(string RunId, string Agent, int Step, string Status);

/// <summary>A run waiting for a silo that hosts its agent version (its agent pins versions), until it fails.</summary>
public sealed record VersionWaitResource(string Version, DateTimeOffset Until);

/// <summary>Model tokens of a run. Run lists carry the total only (as of the run's last status change).</summary>
public sealed record UsageResource(long? InputTokens, long? OutputTokens, long TotalTokens);

/// <summary>
/// What a run waiting for input asks: approve or reject running <c>tool</c> with <c>arguments</c>. <c>seq</c> is the
/// question's (its <c>input.requested</c> event's): sent back with the answer as <c>requestSeq</c>, the answer applies to
/// this question only.
/// </summary>
public sealed record WaitingForResource(
    int Step,
    string Kind,
    string Tool,
    JsonElement? Arguments,
    string Question,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] long? Seq = null);

/// <summary>One page of runs, newest first.</summary>
public sealed record RunPage(IReadOnlyList<RunResource> Items, string? NextCursor);
