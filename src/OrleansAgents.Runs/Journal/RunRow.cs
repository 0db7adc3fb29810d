using OrleansAgents.Runs;

namespace OrleansAgents.Journal;

/// <summary>The runs-table row written in the same statement as the events.</summary>
public sealed record RunRow(
    string RunId,
    string Owner,
    string Agent,
    string AgentVersion,
    RunStatus Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    long LastSeq,
    int Steps,
    string? Silo,
    long TotalTokens = 0);
