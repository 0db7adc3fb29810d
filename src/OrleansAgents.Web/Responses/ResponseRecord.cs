namespace OrleansAgents.Web.Responses;

/// <summary>A row of <c>oa_responses</c>: what the journal does not hold about a response (and when it was deleted, if its run goes on).</summary>
public sealed record ResponseRecord(
    string Id, string RunId, bool Background, string Metadata, DateTimeOffset CreatedAt, string? PreviousResponseId, DateTimeOffset? DeletedAt = null);
