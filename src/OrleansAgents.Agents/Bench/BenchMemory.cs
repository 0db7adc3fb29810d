using System.Text.Json;

namespace OrleansAgents.Agents.Bench;

/// <summary>The bench agent's memory: the children its first step waited for (their results go into its output), or nothing.</summary>
internal sealed class BenchMemory(string? children) : AgentMemory
{
    public static readonly BenchMemory Empty = new(null);

    /// <summary>The <c>children</c> array of the children step's result, as JSON text.</summary>
    public string? Children { get; } = children;

    public override AgentMemory Remember(CommittedStep step)
    {
        if (step.Name is not (BenchAgent.ChildrenStep or BenchAgent.JoinStep))
        {
            return this;
        }

        using var result = JsonDocument.Parse(step.Result);
        return new BenchMemory(result.RootElement.TryGetProperty("children", out var list) ? list.GetRawText() : step.Result);
    }

    public override string ToJson() => Children ?? "null";

    public static BenchMemory Read(string json) => json.Trim() == "null" ? Empty : new BenchMemory(json);
}
