using System.Threading.RateLimiting;

namespace OrleansAgents.Web.Responses;

/// <summary>
/// One owner's stream slot (<see cref="Infrastructure.StreamLimiter"/>), released exactly once: by the stream when it
/// ends, or with the request (registered for dispose) when the stream never started.
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
