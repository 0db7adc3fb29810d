using Orleans.Placement;

namespace OrleansAgents.Hosting.Placement;

/// <summary>Marks a grain class (the run grain) to be placed by <see cref="AgentVersionPlacementDirector"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class AgentVersionPlacementAttribute() : PlacementAttribute(AgentVersionPlacement.Instance);
