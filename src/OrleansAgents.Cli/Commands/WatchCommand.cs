using System.CommandLine;
using System.Globalization;
using OrleansAgents.Cli.Watching;
using Spectre.Console;

namespace OrleansAgents.Cli.Commands;

/// <summary>
/// <c>oagents run watch &lt;id&gt; [--after N | --from-start]</c>: live progress until the run ends; continues after the
/// last event a previous watch showed.
/// </summary>
public static class WatchCommand
{
    public static Command Create()
    {
        var id = RunIdArgument.Create();
        var after = new Option<long?>("--after") { Description = "Show events after this seq (overrides where the last watch stopped)", HelpName = "seq" };
        var fromStart = new Option<bool>("--from-start") { Description = "Replay every event from the first" };
        var command = new Command(
            "watch",
            "Follow a run live until it ends: steps, durations, tokens, tool calls, approvals, streamed text. "
            + "Ctrl+C stops; the next watch continues after the last event shown. Exit code: 0 succeeded, 1 failed or cancelled.")
        {
            id, after, fromStart,
        };
        command.Validators.Add(result =>
        {
            if (result.GetValue(after) is < 0)
            {
                result.AddError("--after must be 0 or more.");
            }

            if (result.GetValue(after) is not null && result.GetValue(fromStart))
            {
                result.AddError("--after and --from-start cannot be combined.");
            }
        });
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            using var session = Session.Open(parseResult);
            return await WatchAsync(session, parseResult.GetRequiredValue(id), parseResult.GetValue(after), parseResult.GetValue(fromStart), cancellationToken);
        });
        return command;
    }

    public static async Task<int> WatchAsync(Session session, string runId, long? after, bool fromStart, CancellationToken cancellationToken)
    {
        var state = WatchState.Default();
        var start = fromStart ? 0 : after ?? state.LastSeq(session.Client.BaseAddress, runId) ?? 0;
        if (!session.Json && start > 0)
        {
            session.Console.MarkupLine($"[grey]Continuing after event #{start.ToString(CultureInfo.InvariantCulture)} (--from-start replays all)[/]");
        }

        var watcher = new RunWatcher(session.Client, session.Console, session.Json, state);
        try
        {
            return await watcher.WatchAsync(runId, start, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync(
                $"oagents: interrupted after event #{watcher.LastSeq.ToString(CultureInfo.InvariantCulture)}; 'oagents run watch {runId}' continues from there.");
            return ExitCodes.Interrupted;
        }
    }
}
