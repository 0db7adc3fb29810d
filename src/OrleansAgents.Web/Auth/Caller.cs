using System.Security.Claims;
using OrleansAgents.Runs;

namespace OrleansAgents.Web.Auth;

/// <summary>Who is calling, and what they may see.</summary>
public static class Caller
{
    public static string Owner(this ClaimsPrincipal user) =>
        user.FindFirstValue(ApiKeyAuthenticationHandler.OwnerClaim) ?? throw new InvalidOperationException("Unauthenticated caller.");

    public static bool IsOperator(this ClaimsPrincipal user) => user.IsInRole(ApiKeyAuthenticationHandler.OperatorRole);

    /// <summary>Owners see their own runs; operators see all; a stream token its one run.</summary>
    public static bool MaySee(this ClaimsPrincipal user, RunSnapshot run) =>
        (user.FindFirstValue(ApiKeyAuthenticationHandler.StreamRunClaim) is not { } only || only == run.RunId)
        && (user.IsOperator() || run.Owner == user.Owner());

    /// <summary>Whether the caller presented an API key (not a run's stream token).</summary>
    public static bool HasKey(this ClaimsPrincipal user) => user.FindFirst(ApiKeyAuthenticationHandler.StreamRunClaim) is null;
}
