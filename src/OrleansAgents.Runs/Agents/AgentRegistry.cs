using OrleansAgents.Runs;

namespace OrleansAgents.Agents;

/// <summary>The agents this silo can run, by name and version.</summary>
public sealed class AgentRegistry : IAgentSource
{
    private readonly Dictionary<string, IAgent> _latest = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Name, string Version), IAgent> _versions = [];

    public AgentRegistry(IEnumerable<IAgent> agents)
    {
        foreach (var agent in agents)
        {
            _versions[(agent.Name, agent.Version)] = agent;
            _latest[agent.Name] = agent;
        }
    }

    /// <summary>Registered agent names.</summary>
    public IReadOnlyCollection<string> Names => _latest.Keys;

    /// <summary>Every agent version this silo can run (what it publishes in its silo metadata).</summary>
    public IEnumerable<(string Agent, string Version)> Hosted => _versions.Keys;

    /// <summary>The current definition of each registered agent.</summary>
    public IReadOnlyCollection<IAgent> Latest => _latest.Values;

    /// <summary>The current definition of the named agent, for new runs.</summary>
    public IAgent GetForNewRun(string name) =>
        _latest.TryGetValue(name, out var agent)
            ? agent
            : throw new InvalidRunRequestException(
                $"Unknown agent '{name}'. Known agents: {string.Join(", ", _latest.Keys.Order(StringComparer.Ordinal))}.");

    /// <summary>The exact definition a run started with, or null when this silo no longer has it.</summary>
    public IAgent? Find(string name, string version) =>
        _versions.TryGetValue((name, version), out var agent) ? agent : null;

    /// <summary>The current definition of the named agent, or null when this silo has none by that name.</summary>
    public IAgent? Current(string name) => _latest.GetValueOrDefault(name);
}
