namespace OrleansAgents.Agents;

/// <summary>Stands in for an agent definition this silo does not have: a run bound to it can only fail.</summary>
internal sealed class UnavailableAgent(string name, string version) : IAgent
{
    public string Name => name;

    public string Version => version;

    public string Reason => $"Agent '{name}' version '{version}' is not registered on this cluster any more; the run cannot resume.";

    public void ValidateInput(System.Text.Json.JsonElement input)
    {
    }

    public AgentDecision Decide(AgentContext context) => new AgentDecision.Fail(Reason);

    public Task<StepOutput> ExecuteStepAsync(StepContext context, CancellationToken cancellationToken) =>
        throw new InvalidOperationException(Reason);
}
