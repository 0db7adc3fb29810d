namespace OrleansAgents.Testing.Soak;

/// <summary>What one watcher saw of its run: the committed seqs in the order they arrived, across its reconnects.</summary>
public sealed record SoakWatch(string RunId, string Kind, IReadOnlyList<long> Seqs, bool SawEnd, int Reconnects, string? Error);
