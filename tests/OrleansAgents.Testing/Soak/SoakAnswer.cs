using System.Text.Json;

namespace OrleansAgents.Testing.Soak;

/// <summary>An HTTP answer the soak's client got: status and JSON body (default when none).</summary>
public sealed record SoakAnswer(int Status, JsonElement Body)
{
    /// <summary>The run's status in a run resource body, or null.</summary>
    public string? RunStatus => Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty("status", out var s) ? s.GetString() : null;

    public static bool IsTerminal(string? status) => status is "succeeded" or "failed" or "cancelled";
}
