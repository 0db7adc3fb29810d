using System.Runtime.CompilerServices;
using OrleansAgents.Runs;

namespace OrleansAgents.Following;

/// <summary>
/// The resume rule: for any <c>after</c>, every committed event with a greater sequence number exactly once and
/// in order, then the live tail, ending after the run's terminal event. The record comes first; live events are
/// used only while they arrive in sequence, and any gap, overflow or silence sends the follower back to the record.
/// Subscribe the live feed before calling, so that nothing committed in between falls through.
/// </summary>
public static class ResumeRule
{
    public static async IAsyncEnumerable<RunEvent> FollowAsync(
        IRunEventRecord record, ILiveRunEvents live, long after, FollowSettings settings, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(live);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfNegative(after);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.PageSize, 1);

        // A client that already has the terminal event gets nothing more: end at once, not wait for live events.
        if (after > 0 && await record.EndedAtOrBeforeAsync(after, cancellationToken))
        {
            yield break;
        }

        var cursor = after;
        var ended = false;
        while (!ended)
        {
            // From the record: everything after the cursor, page by page.
            IReadOnlyList<RunEvent> page;
            do
            {
                page = await record.ReadAsync(cursor, settings.PageSize, cancellationToken);
                foreach (var e in page)
                {
                    if (e.Seq <= cursor)
                    {
                        continue; // a record never repeats itself, but a follower must not either
                    }

                    yield return e;
                    cursor = e.Seq;
                    if (RunEventTypes.IsTerminal(e.Type))
                    {
                        ended = true;
                        break;
                    }
                }
            }
            while (page.Count == settings.PageSize && !ended);
            page = []; // a follower can wait live for hours: it must not hold its last page (and its events) meanwhile

            // Live, for as long as events arrive in sequence.
            while (!ended)
            {
                var next = await live.ReadAsync(settings.IdleCheck, cancellationToken);
                if (next is null || live.Lagging)
                {
                    if (next is null)
                    {
                        live.Renew();
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
                    break; // a gap: the record has what the live feed lost
                }

                settings.OnLiveEvent?.Invoke(next);
                yield return next;
                cursor = next.Seq;
                ended = RunEventTypes.IsTerminal(next.Type);
            }
        }
    }
}
