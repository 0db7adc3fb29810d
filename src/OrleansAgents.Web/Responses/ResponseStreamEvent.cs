using System.Text.Json.Nodes;

namespace OrleansAgents.Web.Responses;

/// <summary>One event of a response's stream: its number, its type, and its JSON (both included).</summary>
public sealed record ResponseStreamEvent(int SequenceNumber, string Type, JsonObject Json);
