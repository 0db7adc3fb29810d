namespace OrleansAgents.Agents.Chat;

/// <summary>One sub-task a chat agent hands to another agent with <c>delegate_tasks</c>: the agent's name and what it should do.</summary>
public sealed record DelegatedTask(string Agent, string Task);
