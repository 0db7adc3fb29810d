using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using OrleansAgents.Journal;
using OrleansAgents.Runs;
using OrleansAgents.Telemetry;

namespace OrleansAgents.Web.Events;

/// <summary>
/// The resume rule: for any <c>after</c>, every committed event with a greater sequence number exactly
/// once and in order, then the live tail, ending after the run's terminal event. The record (PostgreSQL)
/// comes first; live events (Orleans streams) are used only while they arrive in sequence, and any gap,
/// overflow or silence sends the follower back to the record.
/// </summary>
public sealed class RunEventFollower(RunEventHub hub, JournalStore store, IOptions<FrontEndOptions> options)
{
    private const int PageSize = 500;

    public async IAsyncEnumerable<RunEvent> FollowAsync(string runId, long after, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var settings = options.Value;
        // Subscribe before reading the record, so nothing committed in between is missed.
        await using var live = await hub.SubscribeAsync(runId, settings.ClientBufferEvents, cancellationToken);
        var cursor = after;
        var ended = false;

        // A client that already has the terminal event gets nothing more: end at once, not wait for live events.
        if (after > 0 && await store.ReadLastEventAsync(runId, cancellationToken) is { } last
            && RunEventTypes.IsTerminal(last.Type) && last.Seq <= after)
        {
            yield break;
        }

        while (!ended)
        {
            // From the record: everything after the cursor, page by page.
            List<RunEvent> page;
            do
            {
                page = await store.ReadEventsAsync(runId, cursor, PageSize, cancellationToken);
                foreach (var e in page)
                {
                    yield return e;
                    cursor = e.Seq;
                    ended |= RunEventTypes.IsTerminal(e.Type);
                }
            }
            while (page.Count == PageSize && !ended);

            // Live, for as long as events arrive in sequence.
            while (!ended)
            {
                var next = await ReadLiveAsync(live, settings.IdleJournalCheck, cancellationToken);
                if (next is null || live.Lagging)
                {
                    if (next is null)
                    {
                        hub.Renew(runId); // silence: the run may have moved and forgotten this front end
                    }

                    live.Reset();
                    break; // silence or overflow: back to the record
                }

                if (next.Seq <= cursor)
                {
                    continue; // already sent from the record
                }

                if (next.Seq != cursor + 1)
                {
                    break; // a gap: the record has what the stream lost
                }

                AgentsTelemetry.EventLag.Record((DateTimeOffset.UtcNow - next.At).TotalMilliseconds);
                yield return next;
                cursor = next.Seq;
                ended = RunEventTypes.IsTerminal(next.Type);
            }
        }
    }

    private static async Task<RunEvent?> ReadLiveAsync(RunEventHub.LiveSubscription live, TimeSpan idle, CancellationToken cancellationToken)
    {
        if (live.Reader.TryRead(out var ready))
        {
            return ready;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(idle);
        try
        {
            return await live.Reader.WaitToReadAsync(timeout.Token) && live.Reader.TryRead(out var next) ? next : null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }
}
