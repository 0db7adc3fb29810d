namespace OrleansAgents.Hosting.Placement;

/// <summary>
/// Places a run's activation on a silo that hosts the agent version the run keeps to, while one exists
/// (see <see cref="AgentVersionPlacementDirector"/>); anywhere otherwise.
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansAgents.AgentVersionPlacement")]
public sealed class AgentVersionPlacement : PlacementStrategy
{
    public static readonly AgentVersionPlacement Instance = new();
}
