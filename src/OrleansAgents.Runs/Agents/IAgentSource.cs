namespace OrleansAgents.Agents;

/// <summary>Where a run finds its agent: the current definition for a new run, the exact one for a run that resumes.</summary>
public interface IAgentSource
{
    /// <summary>The current definition of the named agent; <see cref="Runs.InvalidRunRequestException"/> when there is none.</summary>
    IAgent GetForNewRun(string name);

    /// <summary>The exact definition a run started with, or null when this silo no longer has it.</summary>
    IAgent? Find(string name, string version);

    /// <summary>The current definition of the named agent (what a run upgrades to), or null when there is none.</summary>
    IAgent? Current(string name);
}
