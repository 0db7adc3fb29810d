using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace OrleansAgents.Web.Infrastructure;

/// <summary>
/// The live streams each owner may hold open on this front end (<c>FrontEnd:MaxStreamsPerOwner</c>): ASP.NET Core
/// rate limiting's concurrency limiter, partitioned by owner, no queue. Idle partitions are dropped by the limiter.
/// </summary>
public sealed class StreamLimiter(IOptions<FrontEndOptions> options) : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(owner =>
        RateLimitPartition.GetConcurrencyLimiter(owner, _ => new ConcurrencyLimiterOptions { PermitLimit = options.Value.MaxStreamsPerOwner, QueueLimit = 0 }));

    /// <summary>A slot for one stream (dispose it when the stream ends), or null when the owner is at the limit.</summary>
    public StreamSlot? TryAcquire(string owner)
    {
        var lease = _limiter.AttemptAcquire(owner);
        if (lease.IsAcquired)
        {
            return new StreamSlot(lease);
        }

        lease.Dispose();
        return null;
    }

    public void Dispose() => _limiter.Dispose();
}
