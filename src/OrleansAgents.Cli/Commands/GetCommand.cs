using System.CommandLine;
using OrleansAgents.Cli.Output;

namespace OrleansAgents.Cli.Commands;

/// <summary><c>oagents run get &lt;id&gt;</c>.</summary>
public static class GetCommand
{
    public static Command Create()
    {
        var id = RunIdArgument.Create();
        var command = new Command("get", "Show a run: status, steps, result or error") { id };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            using var session = Session.Open(parseResult);
            var response = await session.Client.GetAsync(parseResult.GetRequiredValue(id), cancellationToken);
            if (session.Json)
            {
                Session.WriteRaw(response.Raw);
            }
            else
            {
                RunView.Details(session.Console, response.Json);
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
