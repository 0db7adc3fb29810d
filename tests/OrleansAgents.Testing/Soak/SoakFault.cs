namespace OrleansAgents.Testing.Soak;

/// <summary>A fault the soak injected, and when (from its start until the cluster was whole again).</summary>
public sealed record SoakFault(string Kind, string Target, DateTimeOffset Start, DateTimeOffset End);
