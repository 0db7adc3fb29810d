namespace OrleansAgents.Agents;

/// <summary>
/// What an agent keeps between decisions, folded one committed step at a time: the chat agent's
/// conversation; nothing at all for an agent that decides from the step count. A run holds this, not its
/// steps, so its memory does not grow with its history unless the agent's own state does.
/// Immutable: <see cref="Remember"/> returns a new memory and leaves this one as it was (a decision may be
/// dropped and taken again against the old one). Snapshots hold it as <see cref="ToJson"/>; the agent reads
/// it back with <see cref="IAgent.ReadMemory"/>.
/// </summary>
public abstract class AgentMemory
{
    /// <summary>An agent that needs nothing but the step count, input and steer messages.</summary>
    public static readonly AgentMemory None = new NoMemory();

    /// <summary>The memory after one more committed step. Must not change this instance.</summary>
    public abstract AgentMemory Remember(CommittedStep step);

    /// <summary>The memory as JSON text, for the run's snapshots.</summary>
    public abstract string ToJson();

    private sealed class NoMemory : AgentMemory
    {
        public override AgentMemory Remember(CommittedStep step) => this;

        public override string ToJson() => "null";
    }
}
