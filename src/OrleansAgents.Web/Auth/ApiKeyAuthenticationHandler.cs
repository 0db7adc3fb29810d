using System.Runtime.CompilerServices;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace OrleansAgents.Web.Auth;

/// <summary>
/// Authenticates <c>Authorization: Bearer &lt;key&gt;</c>; on the streaming endpoints (browsers cannot set headers on
/// EventSource and WebSocket) a run's stream token as <c>?access_token=</c> (<see cref="StreamTokens"/>), never an
/// API key: keys in URLs end up in logs and browser history. The dashboard reads its cookie
/// (<c>POST /api/dashboard/session</c>).
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    IOptionsMonitor<ApiKeyOptions> keys,
    StreamTokens tokens,
    ILoggerFactory logger,
    UrlEncoder encoder) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string OperatorRole = "operator";
    public const string OwnerClaim = "owner";
    public const string StreamRunClaim = "stream_run";
    public const string DashboardCookie = "oa_dashboard_key";
    private const string RefusedKey = "oa.auth.refused";

    /// <summary>
    /// One principal per API key, shared by that key's requests. A request holds its principal for as long as it
    /// lasts, and a WebSocket or SSE client's request lasts as long as it watches: 10,000 at a time in E2, at about
    /// 450 bytes of claims, identity and principal each. Principals are only read here (no claims transformation, no
    /// code that adds claims or identities), so sharing one is safe; each request still gets its own ticket and
    /// properties. Keyed weakly by the options' key object: a reloaded key list starts afresh.
    /// </summary>
    private static readonly ConditionalWeakTable<ApiKey, ClaimsPrincipal> Principals = new();

    private const string KeyInUrl =
        "API keys are not accepted in URLs (they end up in logs and browser history). Send the key as 'Authorization: Bearer <key>', or get a stream token with POST /api/runs/{id}/stream-token and pass that as ?access_token=.";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (IsStreaming() && Request.Query.TryGetValue("access_token", out var query) && Request.Headers.Authorization.Count == 0)
        {
            return Task.FromResult(ReadStreamToken(query.ToString()));
        }

        var presented = ReadKey();
        if (presented is null)
        {
            return Task.FromResult(Request.Query.TryGetValue("access_token", out var elsewhere)
                ? RefuseInUrl(elsewhere.ToString())
                : AuthenticateResult.NoResult());
        }

        var match = keys.CurrentValue.Keys.FirstOrDefault(k => k.Key.Length > 0 && FixedTimeEquals(k.Key, presented));
        if (match is null)
        {
            return Task.FromResult(AuthenticateResult.Fail("Unknown API key."));
        }

        var principal = Principals.GetValue(match, static key =>
        {
            List<Claim> claims = [new(OwnerClaim, key.Owner), new(ClaimTypes.Name, key.Owner)];
            if (string.Equals(key.Role, OperatorRole, StringComparison.OrdinalIgnoreCase))
            {
                claims.Add(new Claim(ClaimTypes.Role, OperatorRole));
            }

            return new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        });
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        if (Responses.OpenAIErrors.IsOpenAIPath(Context))
        {
            await Responses.OpenAIErrors.WriteAsync(Context, 401, Context.Items[RefusedKey] as string
                ?? "Incorrect or missing API key: send one of this server's API keys as 'Authorization: Bearer <key>'.");
            return;
        }

        await Results.Problem(
            statusCode: StatusCodes.Status401Unauthorized,
            title: "Unauthorized",
            detail: Context.Items[RefusedKey] as string
                ?? "Send a valid API key as 'Authorization: Bearer <key>' (streams also take a run's stream token as ?access_token=).")
            .ExecuteAsync(Context);
    }

    /// <summary>A run's stream token: the principal of its owner, for that run's stream only.</summary>
    private AuthenticateResult ReadStreamToken(string token)
    {
        if (tokens.TryRead(token, out var runId, out var owner))
        {
            var identity = new ClaimsIdentity([new(OwnerClaim, owner), new(ClaimTypes.Name, owner), new(StreamRunClaim, runId)], SchemeName);
            return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
        }

        return Refuse(IsKey(token)
            ? KeyInUrl
            : "The stream token is not valid or has expired: get a new one with POST /api/runs/{id}/stream-token.");
    }

    /// <summary>
    /// <c>?access_token=</c> on an endpoint that is not a run's stream: refused, saying why (an anonymous endpoint
    /// still answers, as for any failed authentication).
    /// </summary>
    private AuthenticateResult RefuseInUrl(string token) => Refuse(
        IsKey(token) ? KeyInUrl
        : tokens.TryRead(token, out _, out _)
            ? "A stream token opens only its run's event stream (GET /api/runs/{id}/events/stream or /ws); everything else takes an API key as 'Authorization: Bearer <key>'."
            : "Only a run's event stream reads ?access_token=; send an API key as 'Authorization: Bearer <key>'.");

    private AuthenticateResult Refuse(string why)
    {
        Context.Items[RefusedKey] = why;
        return AuthenticateResult.Fail(why);
    }

    private bool IsKey(string token) => keys.CurrentValue.Keys.Any(k => k.Key.Length > 0 && FixedTimeEquals(k.Key, token));

    private bool IsStreaming()
    {
        var path = Request.Path.Value ?? "";
        return path.StartsWith("/api/runs/", StringComparison.Ordinal)
            && (path.EndsWith("/events/stream", StringComparison.Ordinal) || path.EndsWith("/ws", StringComparison.Ordinal));
    }

    private string? ReadKey()
    {
        var header = Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return header["Bearer ".Length..].Trim();
        }

        return Request.Path.StartsWithSegments("/dashboard") && Request.Cookies.TryGetValue(DashboardCookie, out var cookie) ? cookie : null;
    }

    private static bool FixedTimeEquals(string a, string b) =>
        System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.UTF8.GetBytes(a), System.Text.Encoding.UTF8.GetBytes(b));
}
