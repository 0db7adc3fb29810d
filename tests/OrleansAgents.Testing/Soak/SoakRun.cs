using System.Collections.Concurrent;

namespace OrleansAgents.Testing.Soak;

/// <summary>One run of the soak, as its client scripted and saw it.</summary>
public sealed class SoakRun(SoakScript script)
{
    public SoakScript Script { get; } = script;

    public string Id => Script.RunId;

    /// <summary>The start was answered 202: the run must end.</summary>
    public bool Accepted { get; set; }

    /// <summary>A cancel was sent (answered or not).</summary>
    public bool CancelSent { get; set; }

    /// <summary>A cancel was answered 202 with the run not yet ended: it must end cancelled.</summary>
    public bool CancelAcknowledged { get; set; }

    /// <summary>Commands answered 202, by idempotency key, with their kind (approve, reject, message): each must be in the journal once.</summary>
    public ConcurrentDictionary<string, string> Acknowledged { get; } = new(StringComparer.Ordinal);

    /// <summary>The status the client last saw.</summary>
    public string? LastStatus { get; set; }
}
