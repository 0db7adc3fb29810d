using System.CommandLine;
using OrleansAgents.Cli.Output;

namespace OrleansAgents.Cli.Commands;

/// <summary><c>oagents run list [--status S] [--agent A] [--limit N] [--cursor C]</c>.</summary>
public static class ListCommand
{
    public static Command Create()
    {
        var status = new Option<string?>("--status", "-s")
        {
            Description = "Only runs in this status: pending, running, waitingForInput, succeeded, failed, cancelled",
            HelpName = "status",
        };
        var agent = new Option<string?>("--agent", "-a") { Description = "Only runs of this agent", HelpName = "agent" };
        var limit = new Option<int?>("--limit", "-n") { Description = "At most this many runs (1-1000, default 20)", HelpName = "n" };
        var cursor = new Option<string?>("--cursor") { Description = "Continue after a previous page (its nextCursor)", HelpName = "cursor" };
        var command = new Command("list", "List your runs, newest first (operators see all runs)") { status, agent, limit, cursor };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var max = parseResult.GetValue(limit) ?? 20;
            if (max is < 1 or > 1000)
            {
                throw CliException.Usage("--limit must be from 1 to 1000.");
            }

            using var session = Session.Open(parseResult);
            var response = await session.Client.ListAsync(
                parseResult.GetValue(status), parseResult.GetValue(agent), max, parseResult.GetValue(cursor), cancellationToken);
            if (session.Json)
            {
                Session.WriteRaw(response.Raw);
            }
            else
            {
                RunView.Table(session.Console, response.Json, DateTimeOffset.UtcNow);
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
