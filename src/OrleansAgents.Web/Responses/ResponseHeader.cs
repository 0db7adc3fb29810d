using System.Text.Json.Nodes;

namespace OrleansAgents.Web.Responses;

/// <summary>What a response is besides its stretch of the journal.</summary>
/// <param name="Id">The response ID (<see cref="ResponseIds"/>).</param>
/// <param name="RunId">The run it is a stretch of.</param>
/// <param name="AfterSeq">The seq it begins after: 0 from the run's start, else the approval request it answers.</param>
/// <param name="Model">The agent's name.</param>
/// <param name="Background">Whether it was created in background mode.</param>
/// <param name="Metadata">The caller's metadata (string pairs).</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="PreviousResponseId">The response whose approval request it answers, if any.</param>
public sealed record ResponseHeader(
    string Id, string RunId, long AfterSeq, string Model, bool Background, JsonObject Metadata, DateTimeOffset CreatedAt, string? PreviousResponseId)
{
    /// <summary>Deleted while its run goes on (<c>DELETE</c> of a response a later one continues): not found any more.</summary>
    public bool Deleted { get; init; }
}
