namespace OrleansAgents.Runs;

/// <summary>How a child run ended, as it tells its parent.</summary>
/// <param name="RunId">The child.</param>
/// <param name="Status">Succeeded, Failed or Cancelled.</param>
/// <param name="Result">Its output as JSON text, when it succeeded.</param>
/// <param name="Error">Why it failed or was cancelled.</param>
[GenerateSerializer, Immutable, Alias("OrleansAgents.ChildOutcome")]
public sealed record ChildOutcome(
    [property: Id(0)] string RunId,
    [property: Id(1)] RunStatus Status,
    [property: Id(2)] string? Result,
    [property: Id(3)] string? Error);
