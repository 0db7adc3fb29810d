using System.Text.Json;
using OrleansAgents.Agents;

namespace OrleansAgents.Runs.Core;

/// <summary>
/// An agent's memory before the run knows which agent (version) it keeps to: the snapshot's memory as JSON
/// (null: from the run's start) and the steps committed since. A replay reads the journal before it can pick
/// the agent; <see cref="Bind"/> then turns this into the agent's own memory. Holds at most the steps since
/// the last snapshot (all of them for a run with none).
/// </summary>
internal sealed class UnboundMemory(string? json, AppendOnlyList<CommittedStep> since) : AgentMemory
{
    /// <summary>From the run's start: no snapshot.</summary>
    public static readonly UnboundMemory FromStart = new(null, AppendOnlyList<CommittedStep>.Empty);

    /// <summary>The snapshot's memory, or null when the replay began at the run's start.</summary>
    public string? Json => json;

    /// <summary>Steps committed after the snapshot (or since the start).</summary>
    public AppendOnlyList<CommittedStep> Since => since;

    public override AgentMemory Remember(CommittedStep step) => new UnboundMemory(json, since.Append(step));

    public override string ToJson() => throw new InvalidOperationException("A memory not yet bound to its agent is never written to a snapshot.");

    /// <summary>
    /// The agent's memory: read from the snapshot (or new at the start) and folded with the steps since. Null when
    /// the agent cannot read the snapshot's memory: the caller replays the whole journal instead.
    /// </summary>
    public AgentMemory? Bind(IAgent agent, JsonElement input)
    {
        var memory = json is null ? agent.NewMemory(input) : agent.ReadMemory(input, json);
        if (memory is null)
        {
            return null;
        }

        foreach (var step in since)
        {
            memory = memory.Remember(step);
        }

        return memory;
    }
}
