using OrleansAgents.Hosting;

namespace OrleansAgents.Agents.VoiceAgentBuilder;

/// <summary>The voice-agent-builder agent. Section <c>OrleansAgents:Agents:VoiceAgentBuilder</c>.</summary>
public sealed class VoiceAgentBuilderOptions
{
    public const string SectionName = "OrleansAgents:Agents:VoiceAgentBuilder";

    /// <summary>The most steps a run may take.</summary>
    [SettingRange(1, 1000, ErrorMessage = "OrleansAgents:Agents:VoiceAgentBuilder:MaxSteps must be from 1 to 1000.")]
    public int MaxSteps { get; set; } = 40;

    /// <summary>How long each tool takes on top of its work (simulates slower real systems in demos).</summary>
    public TimeSpan ToolLatency { get; set; } = TimeSpan.FromMilliseconds(150);

    /// <summary>
    /// How long a tool with side effects holds on after its effect and before it returns: widens the window
    /// between effect and committed outcome, for failure drills.
    /// </summary>
    public TimeSpan SideEffectHold { get; set; } = TimeSpan.Zero;

    /// <summary>Per-attempt timeout of a model call.</summary>
    public TimeSpan ModelTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Per-attempt timeout of a tool call.</summary>
    public TimeSpan ToolTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>What its runs do once no silo hosts their version (Upgrade: the chat agent's decisions read committed steps only).</summary>
    public AgentUpgradePolicy UpgradePolicy { get; set; } = AgentUpgradePolicy.Upgrade;
}
