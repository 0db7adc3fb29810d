using System.Security.Claims;
using OrleansAgents.Runs;

namespace OrleansAgents.Web.Auth;

/// <summary>Who is calling, and what they may see.</summary>
public static class Caller
{
    public static string Owner(this ClaimsPrincipal user) =>
        user.FindFirstValue(ApiKeyAuthenticationHandler.OwnerClaim) ?? throw new InvalidOperationException("Unauthenticated caller.");

    public static bool IsOperator(this ClaimsPrincipal user) => user.IsInRole(ApiKeyAuthenticationHandler.OperatorRole);

    /// <summary>Owners see their own runs; operators see all.</summary>
    public static bool MaySee(this ClaimsPrincipal user, RunSnapshot run) => user.IsOperator() || run.Owner == user.Owner();
}
