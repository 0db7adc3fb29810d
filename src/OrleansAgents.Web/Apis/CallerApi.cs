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

        // The dashboard is a page that calls its own API: an operator's key goes into a cookie scoped to it, sent by
        // this call's header, never in a URL.
        app.MapPost("/api/dashboard/session", (HttpContext context) =>
        {
            var key = context.Request.Headers.Authorization.ToString()["Bearer ".Length..].Trim();
            context.Response.Cookies.Append(ApiKeyAuthenticationHandler.DashboardCookie, key, new CookieOptions
            {
                HttpOnly = true, SameSite = SameSiteMode.Strict, Path = "/dashboard", Secure = context.Request.IsHttps,
            });
            return Results.NoContent();
        }).RequireAuthorization("operator").WithTags("Caller").WithSummary("Lets an operator's browser open /dashboard (a cookie scoped to it)");
        return app;
    }
}

/// <summary><c>{ "owner", "operator" }</c>: operators see every owner's runs and the dashboard.</summary>
public sealed record CallerInfo(string Owner, bool Operator);
