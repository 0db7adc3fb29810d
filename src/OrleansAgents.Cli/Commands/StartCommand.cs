using System.CommandLine;
using OrleansAgents.Cli.Output;
using Spectre.Console;

namespace OrleansAgents.Cli.Commands;

/// <summary><c>oagents run start &lt;agent&gt; --input &lt;json|@file&gt; [--run-id ID] [--watch]</c>.</summary>
public static class StartCommand
{
    public static Command Create()
    {
        var agent = new Argument<string>("agent") { Description = "The agent to run, e.g. bench" };
        var input = new Option<string?>("--input", "-i") { Description = "The run's input: JSON, @file, or @- for stdin (default {})", HelpName = "json|@file" };
        var runId = new Option<string?>("--run-id") { Description = "Choose the run ID (starting the same run again returns it)", HelpName = "id" };
        var idempotencyKey = new Option<string?>("--idempotency-key") { Description = "Sent as Idempotency-Key: the same key names the same run", HelpName = "key" };
        var watch = new Option<bool>("--watch", "-w") { Description = "Follow the run to its end; the exit code is its outcome" };
        var command = new Command("start", "Start a run") { agent, input, runId, idempotencyKey, watch };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var inputJson = InputJson.Read(parseResult.GetValue(input));
            using var session = Session.Open(parseResult);
            var response = await session.Client.StartAsync(
                parseResult.GetRequiredValue(agent), inputJson, parseResult.GetValue(runId), parseResult.GetValue(idempotencyKey), cancellationToken);
            var id = response.Json.Text("runId") ?? throw new CliException(ExitCodes.Unavailable, "the server's answer has no runId.");
            if (session.Json)
            {
                Session.WriteRaw(response.Raw);
            }
            else
            {
                session.Console.MarkupLine(
                    $"Started run [bold]{Markup.Escape(id)}[/] ({Markup.Escape(response.Json.Text("agent") ?? "")}): {RunView.Status(response.Json.Text("status"))}");
            }

            if (!parseResult.GetValue(watch))
            {
                if (!session.Json)
                {
                    session.Console.MarkupLine($"[grey]Follow it: oagents run watch {Markup.Escape(id)}[/]");
                }

                return ExitCodes.Success;
            }

            return await WatchCommand.WatchAsync(session, id, after: null, fromStart: false, cancellationToken);
        });
        return command;
    }
}
