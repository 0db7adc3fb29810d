namespace OrleansAgents.Runs;

/// <summary>The run that started a child run, and where.</summary>
/// <param name="RunId">The parent's run ID.</param>
/// <param name="Step">The parent's step that started the child.</param>
/// <param name="Depth">The child's depth: 1 for a child of a top-level run.</param>
[GenerateSerializer, Immutable, Alias("OrleansAgents.ParentRun")]
public sealed record ParentRun(
    [property: Id(0)] string RunId,
    [property: Id(1)] int Step,
    [property: Id(2)] int Depth);
