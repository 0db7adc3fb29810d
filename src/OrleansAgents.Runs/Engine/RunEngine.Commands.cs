using OrleansAgents.Agents;
using OrleansAgents.Journal;
using OrleansAgents.Runs.Core;

namespace OrleansAgents.Runs.Engine;

/// <summary>Commands from callers: cancel, answer, steer; each decided against the committed state and committed once.</summary>
internal sealed partial class RunEngine
{
    /// <summary>
    /// Cancels the run and answers once <c>run.cancelled</c> is committed (or the run had ended): through
    /// conflicts and outages the cancel is tried until it lands, so an answered cancel is a durable one.
    /// </summary>
    public async Task<RunSnapshot> CancelAsync(string? reason)
    {
        EnsureExists();
        if (State.IsTerminal)
        {
            if (State.Status == RunStatus.Cancelled && State.Children.Exists(c => !c.Finished))
            {
                // Cancelled again: any child the first cascade missed (its worker died in between) is cancelled now.
                await CancelChildrenAsync(State.Children, $"its parent run '{RunId}' was cancelled");
            }

            return Snapshot();
        }

        var cancelling = _cancelling ??= CancelUntilCommittedAsync(reason);
        CancelStep();
        await cancelling;
        await _ending; // its children are cancelled before the cancel is answered
        return Snapshot();
    }

    /// <summary>Approves or rejects the open question; the one asked at <paramref name="requestSeq"/> only, when given (see <see cref="RunCommand.Answer"/>).</summary>
    public Task<RunSnapshot> AnswerAsync(bool approved, string? text, string? idempotencyKey, long? requestSeq = null) =>
        CommandAsync(new RunCommand.Answer(approved, text, idempotencyKey ?? NewKey(), requestSeq));

    public Task<RunSnapshot> SteerAsync(string message, string? idempotencyKey) =>
        CommandAsync(new RunCommand.Steer(message, idempotencyKey ?? NewKey()));

    private async Task<RunSnapshot> CommandAsync(RunCommand command)
    {
        EnsureExists();
        if (_planner is null)
        {
            // A finished run known from its last event only: its whole journal tells whether this command's key
            // was applied (a retry is answered as the first was) or it is refused because the run has finished.
            var header = _host.Header;
            await _committer.LoadAsync();
            _planner = NewPlanner(new UnavailableAgent(header.Agent, State.AgentVersion ?? header.AgentVersion), RunRequests.ParseInput(header.Input), header);
        }

        // The request may be stored (and seen by the caller) while its commit is still being applied here.
        await _committer.SettleAsync();
        var outcome = await CommitCommandAsync(command);
        switch (outcome.Decision.Kind)
        {
            case RunDecisionKind.Refused:
                if (command is RunCommand.Answer { RequestSeq: { } asked })
                {
                    Log.AnswerRefused(_logger, RunId, asked, outcome.Decision.Reason!);
                }

                throw new RunStateException($"Run '{RunId}' {outcome.Decision.Reason}.");
            case RunDecisionKind.KeyReused:
                throw new RunConflictException(outcome.Decision.Reason!);
        }

        if (outcome.Committed && command is RunCommand.Answer answer)
        {
            Log.InputDecided(_logger, RunId, State.Pending?.Index ?? -1, answer.Approved);
        }

        if (_unbound && !State.IsWaiting && !State.IsTerminal)
        {
            // Answered while its agent version is not here (a deploy happened while it waited): now it must go on,
            // so now its version is settled (moved, upgraded or pinned).
            _unbound = false;
            var header = _host.Header;
            if (!await BindAnotherVersionAsync(header, State.AgentVersion ?? header.AgentVersion))
            {
                return Snapshot();
            }
        }

        StartLoop();
        return Snapshot();
    }

    /// <summary>Commits a command, deciding it again after each conflict (the state that won may change the answer).</summary>
    private async Task<CommitOutcome> CommitCommandAsync(RunCommand command)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (_committer.Superseded && command is not RunCommand.Cancel)
            {
                throw new RunMovedException($"Run '{RunId}' was taken over by another activation; nothing was recorded here. Send the call again.");
            }

            var outcome = await CommitAsync(command);
            if (!outcome.Conflicted)
            {
                return outcome;
            }

            if (attempt == MaxCommandAttempts)
            {
                throw new RunStateException($"Run '{RunId}' kept changing while this was recorded; read it and try again.");
            }
        }
    }

    private async Task<CommitOutcome> CommitAsync(RunCommand command)
    {
        if (_cancelling is not null && command is not RunCommand.Cancel)
        {
            return new CommitOutcome(RunDecision.Refused("is being cancelled"), Committed: false);
        }

        var outcome = await _committer.CommitAsync(command, _planner ?? throw new InvalidOperationException($"Run '{RunId}' is not loaded."));
        if (_committer.Superseded && !_superseded)
        {
            // A newer activation owns the run: this one lets go (a cancel may still be recorded here: it only
            // records the caller's wish, which the newer one meets at its next commit).
            _superseded = true;
            Log.Superseded(_logger, RunId, State.OwnerSeq);
            CancelStep();
            _host.DeactivateOnIdle();
        }

        if (State.IsTerminal && !_ended)
        {
            _ended = true;
            _ending = OnEndedAsync();
            await _keepAlive.StopAsync();
            if (State.Status == RunStatus.Succeeded)
            {
                Log.RunSucceeded(_logger, RunId, State.StepCount);
            }
        }

        return outcome;
    }

    private async Task CancelUntilCommittedAsync(string? reason)
    {
        await Task.Yield(); // stored in _cancelling before anything here can fail and reset it
        var delay = TimeSpan.FromMilliseconds(100);
        try
        {
            while (true)
            {
                try
                {
                    if (!(await CommitAsync(new RunCommand.Cancel(reason))).Conflicted)
                    {
                        Log.RunCancelled(_logger, RunId);
                        return; // committed, or the run had ended meanwhile
                    }
                }
                catch (JournalUnavailableException ex)
                {
                    Log.CancelDeferred(_logger, RunId, ex.Message);
                    await Task.Delay(delay, _time);
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
                }

                if (_deactivating)
                {
                    throw new RunStateException($"Run '{RunId}' moved before its cancel was recorded; cancel it again.");
                }
            }
        }
        catch
        {
            // Not recorded, so not answered: the run goes on until a cancel lands.
            _cancelling = null;
            StartLoop();
            throw;
        }
    }

    /// <summary>
    /// Cancels the step in flight. Synchronously: the step's continuations are queued as turns of this
    /// activation right here, never run from the thread pool next to it.
    /// </summary>
    private void CancelStep() => _stepCancellation.Cancel();

    private string NewKey() => $"auto-{_random.NextInt64():x16}";
}
