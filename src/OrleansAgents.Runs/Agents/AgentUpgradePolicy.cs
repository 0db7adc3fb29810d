namespace OrleansAgents.Agents;

/// <summary>What a run does when no silo hosts the agent version it started with any more (a deploy changed the definition).</summary>
public enum AgentUpgradePolicy
{
    /// <summary>
    /// Wait, visibly, for a silo with the run's version, and fail with a clear error after
    /// <c>OrleansAgents:Runs:PinTimeout</c>. For agents whose decisions depend on more than the committed steps.
    /// </summary>
    Pin,

    /// <summary>
    /// Go on with the current definition and record <c>run.upgraded { from, to }</c>. Safe for agents whose
    /// decisions read the committed steps only, as the chat agent's do.
    /// </summary>
    Upgrade,
}
