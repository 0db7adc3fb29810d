using System.Text.Json;

namespace OrleansAgents.Cli.Api;

/// <summary>A successful response: the body as sent (for --json) and parsed.</summary>
public sealed record ApiResponse(string Raw, JsonElement Json);
