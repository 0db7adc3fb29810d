namespace OrleansAgents.Web.Responses;

/// <summary>A row of <c>oa_responses</c>: what the journal does not hold about a response.</summary>
public sealed record ResponseRecord(string Id, string RunId, bool Background, string Metadata, DateTimeOffset CreatedAt, string? PreviousResponseId);
