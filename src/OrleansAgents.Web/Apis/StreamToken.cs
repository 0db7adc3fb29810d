namespace OrleansAgents.Web.Apis;

/// <summary><c>{ "token", "runId", "expiresAt" }</c>: what opens one run's event stream as <c>?access_token=</c> until it expires.</summary>
public sealed record StreamToken(string Token, string RunId, DateTimeOffset ExpiresAt);
