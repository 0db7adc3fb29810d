namespace OrleansAgents.Runs;

/// <summary>A child run as its parent's journal tells it.</summary>
/// <param name="RunId">The child's run ID (derived from the parent's run ID and step).</param>
/// <param name="Agent">The child's agent.</param>
/// <param name="Step">The parent's step that started it.</param>
/// <param name="Status">How it ended, or <see cref="RunStatus.Running"/> while the parent has not heard that it ended.</param>
[GenerateSerializer, Immutable, Alias("OrleansAgents.ChildRunInfo")]
public sealed record ChildRunInfo(
    [property: Id(0)] string RunId,
    [property: Id(1)] string Agent,
    [property: Id(2)] int Step,
    [property: Id(3)] RunStatus Status);
