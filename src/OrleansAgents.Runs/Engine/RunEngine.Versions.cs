using OrleansAgents.Agents;
using OrleansAgents.Runs.Core;

namespace OrleansAgents.Runs.Engine;

/// <summary>
/// A run whose agent version this silo does not host (a deploy changed the definition): it moves to a silo
/// that hosts it while one exists; otherwise its agent's upgrade policy decides.
/// </summary>
internal sealed partial class RunEngine
{
    /// <summary>True when the run can go on here (upgraded); false when it moves, waits or has failed.</summary>
    private async Task<bool> BindAnotherVersionAsync(RunHeader header, string version)
    {
        if (_host.IsHostedElsewhere(header.Agent, version))
        {
            // Placement put it here before it knew better (a reactivation from this silo reuses it). This activation
            // answers the call that brought it but runs nothing; once idle it migrates, and placement picks a silo
            // with its version. Asked again every few seconds in case a migration did not happen.
            _moving = true;
            Log.RunMoving(_logger, RunId, header.Agent, version);
            _host.MigrateOnIdle();
            _moveTimer ??= _host.StartTimer(() => _host.IsHostedElsewhere(header.Agent, version)
                ? MigrateAgainAsync()
                : RecheckVersionAsync(), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5));
            return false;
        }

        if (_agents.Current(header.Agent) is not { } current)
        {
            await CommitCommandAsync(new RunCommand.Fail($"Agent '{header.Agent}' is not registered on this cluster any more; the run cannot resume."));
            return false;
        }

        if (current.UpgradePolicy == AgentUpgradePolicy.Upgrade)
        {
            await CommitCommandAsync(new RunCommand.Upgrade(version, current.Version));
            _planner = _planner! with { Agent = current };
            await _committer.BindAsync(_planner, rebind: true); // the current definition reads the memory, or replays the journal once
            if (State.Fault is { } fault)
            {
                await CommitCommandAsync(new RunCommand.Fail($"The run's journal cannot be replayed by version '{current.Version}': {fault}."));
                return false;
            }
            Log.RunUpgraded(_logger, RunId, header.Agent, version, current.Version);
            return true;
        }

        if (State.WaitingForVersion is null)
        {
            await CommitCommandAsync(new RunCommand.Pin(version, _time.GetUtcNow() + _options.PinTimeout));
        }

        if (State.WaitingForVersion is { } wait && _time.GetUtcNow() >= wait.Until)
        {
            await CommitCommandAsync(new RunCommand.Fail(
                $"Agent '{header.Agent}' version '{version}' is hosted by no silo, and the agent keeps its runs to their version: " +
                $"the run waited until {wait.Until:u} (OrleansAgents:Runs:PinTimeout) and cannot resume. Deploy a silo with that version, or let the agent upgrade its runs."));
            return false;
        }

        // Nothing runs while it waits: the reminder makes it look again (and, if the activation was let go meanwhile,
        // placement sends the next one to a silo with its version if one has come back).
        _pinned = true;
        Log.RunPinned(_logger, RunId, header.Agent, version);
        try
        {
            await _host.RegisterReminderAsync(_options.ReminderPeriod, _options.ReminderPeriod);
        }
        catch (Exception ex)
        {
            Log.ReminderRegistrationDeferred(_logger, RunId, ex.Message); // any call, or recovery, brings it back too
        }

        return false;
    }

    /// <summary>A run that waits for its version, or is about to move to it, looks again (its reminder ticked).</summary>
    private async Task RecheckVersionAsync()
    {
        // The silo it was moving to went away (placement kept it here), or the reminder ticked: settle it again.
        _moveTimer?.Dispose();
        _moveTimer = null;
        _pinned = false;
        _moving = false;
        await ResumeAsync();
    }

    private Task MigrateAgainAsync()
    {
        _host.MigrateOnIdle();
        return Task.CompletedTask;
    }
}
