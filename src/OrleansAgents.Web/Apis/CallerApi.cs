using System.Security.Claims;
using OrleansAgents.Web.Auth;

namespace OrleansAgents.Web.Apis;

/// <summary>Who the presented key belongs to, so a client can show what that caller may do.</summary>
public static class CallerApi
{
    public static IEndpointRouteBuilder MapCallerApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/me", (ClaimsPrincipal user) => Results.Ok(new CallerInfo(user.Owner(), user.IsOperator())))
            .RequireAuthorization().WithTags("Caller").WithSummary("The owner the key maps to, and whether it is an operator");
        return app;
    }
}

/// <summary><c>{ "owner", "operator" }</c>: operators see every owner's runs and the dashboard.</summary>
public sealed record CallerInfo(string Owner, bool Operator);
