using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace OrleansAgents.Web.Infrastructure;

/// <summary>Counts the live streams each owner holds open on this front end.</summary>
public sealed class StreamLimiter(IOptions<FrontEndOptions> options)
{
    private readonly ConcurrentDictionary<string, int> _open = new(StringComparer.Ordinal);

    /// <summary>Takes a slot, or returns false when the owner is at the limit.</summary>
    public bool TryAcquire(string owner)
    {
        while (true)
        {
            var current = _open.GetOrAdd(owner, 0);
            if (current >= options.Value.MaxStreamsPerOwner)
            {
                return false;
            }

            if (_open.TryUpdate(owner, current + 1, current))
            {
                return true;
            }
        }
    }

    public void Release(string owner) => _open.AddOrUpdate(owner, 0, (_, n) => Math.Max(0, n - 1));
}
