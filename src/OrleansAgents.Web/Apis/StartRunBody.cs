using System.Text.Json.Serialization;
using OrleansAgents.Runs.Events;

namespace OrleansAgents.Web.Apis;

/// <summary>
/// The body of <c>POST /api/runs</c>: <c>{ "agent": "...", "input"?: {...}, "runId"?: "..." }</c>. Names match
/// case-sensitively and other fields are ignored. A field of another JSON type is not an error of its own:
/// <c>agent</c> reads as missing and <c>runId</c> as an ID no run can have, so each gets its own problem.
/// </summary>
/// <param name="Agent">The agent to run.</param>
/// <param name="Input">The run's input as sent, byte for byte (<c>null</c> included); <c>{}</c> when absent.</param>
/// <param name="RunId">The run's ID; absent or <c>null</c>: from the Idempotency-Key, or new.</param>
public sealed record StartRunBody(
    [property: JsonConverter(typeof(TextOrNullConverter))] string? Agent,
    RawJson Input,
    [property: JsonConverter(typeof(TextOrInvalidConverter))] string? RunId);
