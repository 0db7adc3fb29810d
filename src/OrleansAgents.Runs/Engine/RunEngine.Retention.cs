using OrleansAgents.Runs.Core;

namespace OrleansAgents.Runs.Engine;

/// <summary>Retention: a finished run removes itself whole.</summary>
internal sealed partial class RunEngine
{
    /// <summary>
    /// Retention: removes the run whole if it ended before <paramref name="endedBefore"/>. The header is marked
    /// first, so a removal cut off mid-way reads as unknown and is finished by the next activation.
    /// </summary>
    public async Task<bool> ExpireAsync(DateTimeOffset endedBefore)
    {
        if (Exists)
        {
            if (!State.IsTerminal || State.UpdatedAt >= endedBefore)
            {
                return false;
            }

            var marked = _host.Header.Copy();
            marked.Expired = true;
            await _host.WriteHeaderAsync(marked);
        }

        await CompleteExpiryAsync();
        _host.DeactivateOnIdle(); // nothing of the run is left to hold in memory
        return true;
    }

    /// <summary>Deletes what is left of a run marked expired; this activation then holds no run.</summary>
    private async Task CompleteExpiryAsync()
    {
        await _journal.DeleteRunAsync(RunId, _host.GrainId);
        if (_host.HeaderExists)
        {
            await _host.ClearHeaderAsync();
        }

        _committer.Load(RunState.Empty);
        _planner = null;
        Log.RunExpired(_logger, RunId);
    }
}
