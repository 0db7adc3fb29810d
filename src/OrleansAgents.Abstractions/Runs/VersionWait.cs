namespace OrleansAgents.Runs;

/// <summary>A run waiting for a silo that hosts its agent version.</summary>
/// <param name="Version">The version the run keeps to.</param>
/// <param name="Until">When the run fails if no silo hosts it by then.</param>
[GenerateSerializer, Immutable, Alias("OrleansAgents.VersionWait")]
public sealed record VersionWait([property: Id(0)] string Version, [property: Id(1)] DateTimeOffset Until);
