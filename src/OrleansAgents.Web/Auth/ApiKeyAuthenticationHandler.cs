using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace OrleansAgents.Web.Auth;

/// <summary>
/// Authenticates <c>Authorization: Bearer &lt;key&gt;</c>, and <c>?access_token=&lt;key&gt;</c> on the streaming
/// endpoints (browsers cannot set headers on EventSource and WebSocket).
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    IOptionsMonitor<ApiKeyOptions> keys,
    ILoggerFactory logger,
    UrlEncoder encoder) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string OperatorRole = "operator";
    public const string OwnerClaim = "owner";
    private const string DashboardCookie = "oa_dashboard_key";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = ReadKey();
        if (presented is null)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var match = keys.CurrentValue.Keys.FirstOrDefault(k => k.Key.Length > 0 && FixedTimeEquals(k.Key, presented));
        if (match is null)
        {
            return Task.FromResult(AuthenticateResult.Fail("Unknown API key."));
        }

        List<Claim> claims = [new(OwnerClaim, match.Owner), new(ClaimTypes.Name, match.Owner)];
        if (string.Equals(match.Role, OperatorRole, StringComparison.OrdinalIgnoreCase))
        {
            claims.Add(new Claim(ClaimTypes.Role, OperatorRole));
        }

        // The dashboard is a page that calls its own API: keep the key in a cookie scoped to it.
        if (Request.Path.StartsWithSegments("/dashboard") && Request.Query.ContainsKey("access_token"))
        {
            Response.Cookies.Append(DashboardCookie, presented, new CookieOptions
            {
                HttpOnly = true, SameSite = SameSiteMode.Strict, Path = "/dashboard", Secure = Request.IsHttps,
            });
        }

        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        if (Responses.OpenAIErrors.IsOpenAIPath(Context))
        {
            await Responses.OpenAIErrors.WriteAsync(Context, 401, "Incorrect or missing API key: send one of this server's API keys as 'Authorization: Bearer <key>'.");
            return;
        }

        await Results.Problem(
            statusCode: StatusCodes.Status401Unauthorized,
            title: "Unauthorized",
            detail: "Send a valid API key as 'Authorization: Bearer <key>' (or ?access_token=<key> on streaming endpoints).")
            .ExecuteAsync(Context);
    }

    private string? ReadKey()
    {
        var header = Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return header["Bearer ".Length..].Trim();
        }

        var path = Request.Path.Value ?? "";
        var dashboard = Request.Path.StartsWithSegments("/dashboard");
        var streaming = path.EndsWith("/events/stream", StringComparison.Ordinal) || path.EndsWith("/ws", StringComparison.Ordinal) || dashboard;
        if (streaming && Request.Query.TryGetValue("access_token", out var token))
        {
            return token.ToString();
        }

        return dashboard && Request.Cookies.TryGetValue(DashboardCookie, out var cookie) ? cookie : null;
    }

    private static bool FixedTimeEquals(string a, string b) =>
        System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.UTF8.GetBytes(a), System.Text.Encoding.UTF8.GetBytes(b));
}
