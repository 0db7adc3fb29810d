namespace OrleansAgents.Agents.Chat;

/// <summary>One committed model step as the conversation needs it.</summary>
/// <param name="Args">The step's arguments: <c>{ "messages": [...], "tools": [...], "steer": n }</c>.</param>
/// <param name="Result">The model's response: <c>{ "text", "toolCalls": [...] }</c>.</param>
internal sealed record ModelTurn(string Args, string Result);
