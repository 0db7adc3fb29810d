using System.Text.Json.Serialization;

namespace OrleansAgents.Web.Apis;

/// <summary>
/// The body of <c>POST /api/runs/{id}/input</c>: <c>{ "kind": "approve" | "reject" | "message", "comment"?,
/// "reason"?, "message"?, "requestSeq"? }</c>. Names match case-sensitively, other fields are ignored, and a text field
/// that is not a string reads as absent.
/// </summary>
/// <param name="Kind"><c>approve</c>, <c>reject</c> or <c>message</c>.</param>
/// <param name="Comment">An approval's comment.</param>
/// <param name="Reason">A rejection's reason.</param>
/// <param name="Message">A steer message.</param>
/// <param name="RequestSeq">
/// The question an approval or rejection answers: the seq of its <c>input.requested</c> (<c>waitingFor.seq</c>). Given, the
/// answer applies to that question only, never to one the run asks after it was answered by someone else; absent: to
/// whatever is open. Not an integer from 1: 0, refused.
/// </param>
public sealed record RunInputBody(
    [property: JsonConverter(typeof(TextOrNullConverter))] string? Kind,
    [property: JsonConverter(typeof(TextOrNullConverter))] string? Comment,
    [property: JsonConverter(typeof(TextOrNullConverter))] string? Reason,
    [property: JsonConverter(typeof(TextOrNullConverter))] string? Message,
    [property: JsonConverter(typeof(SeqOrInvalidConverter))] long? RequestSeq = null);
