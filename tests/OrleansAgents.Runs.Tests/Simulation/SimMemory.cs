using System.Text.Json;
using OrleansAgents.Agents;

namespace OrleansAgents.Runs.Tests.Simulation;

/// <summary>The simulation agent's memory: every committed step's result, in order, as one string.</summary>
internal sealed class SimMemory(string seen) : AgentMemory
{
    public static readonly SimMemory Empty = new("");

    public string Seen => seen;

    public override AgentMemory Remember(CommittedStep step) => new SimMemory(seen + step.Index + "=" + step.Result + ";");

    public override string ToJson() => JsonSerializer.Serialize(new { seen });

    public static SimMemory? Read(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.TryGetProperty("seen", out var value) ? new SimMemory(value.GetString()!) : null;
    }
}
