using System.Text.Json.Serialization;

namespace OrleansAgents.Web.Apis;

/// <summary>
/// The body of <c>POST /api/runs/{id}/input</c>: <c>{ "kind": "approve" | "reject" | "message", "comment"?,
/// "reason"?, "message"? }</c>. Names match case-sensitively, other fields are ignored, and a field that is not
/// a string reads as absent.
/// </summary>
/// <param name="Kind"><c>approve</c>, <c>reject</c> or <c>message</c>.</param>
/// <param name="Comment">An approval's comment.</param>
/// <param name="Reason">A rejection's reason.</param>
/// <param name="Message">A steer message.</param>
public sealed record RunInputBody(
    [property: JsonConverter(typeof(TextOrNullConverter))] string? Kind,
    [property: JsonConverter(typeof(TextOrNullConverter))] string? Comment,
    [property: JsonConverter(typeof(TextOrNullConverter))] string? Reason,
    [property: JsonConverter(typeof(TextOrNullConverter))] string? Message);
