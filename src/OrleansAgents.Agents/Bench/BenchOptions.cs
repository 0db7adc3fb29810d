using System.ComponentModel.DataAnnotations;

namespace OrleansAgents.Agents.Bench;

/// <summary>The <c>bench</c> agent's definition, for drills and tests of deploys. Section <c>OrleansAgents:Agents:Bench</c>.</summary>
public sealed class BenchOptions
{
    public const string SectionName = "OrleansAgents:Agents:Bench";

    /// <summary>Registers the agent outside the Development environment (the benchmark's production-like runs).</summary>
    public const string EnabledKey = SectionName + ":Enabled";

    /// <summary>See <see cref="EnabledKey"/>; read before the container is built.</summary>
    public bool Enabled { get; set; }

    /// <summary>Whether a silo registers the agent: in the Development environment, or where <see cref="EnabledKey"/> is true.</summary>
    public static bool IsEnabled(string environmentName, Microsoft.Extensions.Configuration.IConfiguration configuration) =>
        string.Equals(environmentName, "Development", StringComparison.OrdinalIgnoreCase)
        || string.Equals(configuration[EnabledKey], "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The definition's version: a silo started with another value is a deploy of a changed agent.</summary>
    [Required(ErrorMessage = "OrleansAgents:Agents:Bench:Version must not be empty.")]
    public string Version { get; set; } = "1";

    /// <summary>What its runs do once no silo hosts their version (its decisions read committed steps only: Upgrade).</summary>
    public AgentUpgradePolicy UpgradePolicy { get; set; } = AgentUpgradePolicy.Upgrade;
}
