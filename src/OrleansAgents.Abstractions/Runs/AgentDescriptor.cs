namespace OrleansAgents.Runs;

/// <summary>An agent runs can be started with.</summary>
/// <param name="Name">The name a start request gives.</param>
/// <param name="Version">The current definition's version: new runs start with it.</param>
/// <param name="SampleDocuments">Names of sample documents the agent's input may refer to.</param>
/// <param name="MaxSteps">The most steps a run of the agent takes, when the agent has a fixed limit (chat agents); null otherwise.</param>
[GenerateSerializer, Immutable, Alias("OrleansAgents.AgentDescriptor")]
public sealed record AgentDescriptor(
    [property: Id(0)] string Name,
    [property: Id(1)] string Version,
    [property: Id(2)] IReadOnlyList<string> SampleDocuments,
    [property: Id(3)] int? MaxSteps = null);
