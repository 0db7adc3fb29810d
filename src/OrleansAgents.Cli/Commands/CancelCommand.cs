using System.CommandLine;
using OrleansAgents.Cli.Output;
using Spectre.Console;

namespace OrleansAgents.Cli.Commands;

/// <summary><c>oagents run cancel &lt;id&gt;</c>.</summary>
public static class CancelCommand
{
    public static Command Create()
    {
        var id = RunIdArgument.Create();
        var command = new Command("cancel", "Cancel a run (it stops at its next step boundary)") { id };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            using var session = Session.Open(parseResult);
            var runId = parseResult.GetRequiredValue(id);
            var response = await session.Client.CancelAsync(runId, cancellationToken);
            if (session.Json)
            {
                Session.WriteRaw(response.Raw);
            }
            else
            {
                session.Console.MarkupLine($"Cancel requested for run [bold]{Markup.Escape(runId)}[/]: {RunView.Status(response.Json.Text("status"))}");
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
