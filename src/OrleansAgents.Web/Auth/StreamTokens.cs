using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace OrleansAgents.Web.Auth;

/// <summary>
/// Short-lived, read-only tokens for one run's event stream, for clients that cannot send headers (a browser's
/// EventSource and WebSocket): <c>POST /api/runs/{id}/stream-token</c> issues one, the stream endpoints take it as
/// <c>?access_token=</c>. Protected with ASP.NET Core Data Protection (time-limited), so they cannot be forged or
/// extended, expire after <c>FrontEnd:StreamTokenLifetime</c>, and name their run and owner: they open that run's
/// stream and nothing else. API keys never go in URLs.
/// </summary>
public sealed class StreamTokens(IDataProtectionProvider provider, IOptions<FrontEndOptions> options, TimeProvider time)
{
    private readonly ITimeLimitedDataProtector _protector = provider.CreateProtector("OrleansAgents.StreamToken.v1").ToTimeLimitedDataProtector();

    public (string Token, DateTimeOffset ExpiresAt) Issue(string runId, string owner)
    {
        var expires = time.GetUtcNow() + options.Value.StreamTokenLifetime;
        return (_protector.Protect($"{runId}\n{owner}", expires), expires);
    }

    /// <summary>The run and owner a token was issued for; false for anything else (forged, expired, not a token).</summary>
    public bool TryRead(string token, out string runId, out string owner)
    {
        runId = owner = "";
        try
        {
            var parts = _protector.Unprotect(token, out var expires).Split('\n');
            if (parts.Length != 2 || expires < time.GetUtcNow())
            {
                return false;
            }

            (runId, owner) = (parts[0], parts[1]);
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
