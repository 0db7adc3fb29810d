using System.Threading.RateLimiting;

namespace OrleansAgents.Web.Infrastructure;

/// <summary>
/// One owner's stream slot (<see cref="StreamLimiter"/>), released exactly once however many times it is disposed: by
/// the stream when it ends, and with the request (registered for dispose) in case the stream never started.
/// </summary>
public sealed class StreamSlot(RateLimitLease lease) : IDisposable
{
    private int _released;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            lease.Dispose();
        }
    }
}
