using System.CommandLine;
using OrleansAgents.Cli.Output;
using Spectre.Console;

namespace OrleansAgents.Cli.Commands;

/// <summary><c>oagents run approve|reject|say</c>: answers and messages to a run (POST /api/runs/{id}/input).</summary>
public static class InputCommands
{
    public static Command Approve()
    {
        var comment = new Option<string?>("--comment", "-m") { Description = "A comment recorded with the approval", HelpName = "text" };
        return Create("approve", "Approve the tool call the run waits on", "approve", comment, "comment", "Approved");
    }

    public static Command Reject()
    {
        var reason = new Option<string?>("--reason", "-m") { Description = "Why; the model is told", HelpName = "text" };
        return Create("reject", "Reject the tool call the run waits on (the tool does not run)", "reject", reason, "reason", "Rejected");
    }

    public static Command Say()
    {
        var id = RunIdArgument.Create();
        var message = new Argument<string>("message") { Description = "The message; the run's next model call sees it" };
        var command = new Command("say", "Send a steer message to a running run") { id, message };
        command.SetAction((parseResult, cancellationToken) =>
            SendAsync(parseResult, parseResult.GetRequiredValue(id), "message", "message", parseResult.GetRequiredValue(message), "Sent a message to", null, cancellationToken));
        return command;
    }

    private static Command Create(string name, string description, string kind, Option<string?> text, string field, string done)
    {
        var id = RunIdArgument.Create();
        var question = new Option<long?>("--question", "-q")
        {
            Description = "The seq of the question answered (watch prints it; get --json shows waitingFor.seq): refused if the run no longer asks it",
            HelpName = "seq",
        };
        var command = new Command(name, description) { id, text, question };
        command.SetAction((parseResult, cancellationToken) =>
        {
            var requestSeq = parseResult.GetValue(question);
            if (requestSeq is < 1)
            {
                throw CliException.Usage("--question must be the seq of the run's question (input.requested), from 1.");
            }

            return SendAsync(parseResult, parseResult.GetRequiredValue(id), kind, field, parseResult.GetValue(text), done, requestSeq, cancellationToken);
        });
        return command;
    }

    private static async Task<int> SendAsync(
        ParseResult parseResult, string runId, string kind, string field, string? value, string done, long? requestSeq, CancellationToken cancellationToken)
    {
        using var session = Session.Open(parseResult);
        var response = await session.Client.InputAsync(runId, kind, field, value, requestSeq, cancellationToken);
        if (session.Json)
        {
            Session.WriteRaw(response.Raw);
        }
        else
        {
            session.Console.MarkupLine($"{done} run [bold]{Markup.Escape(runId)}[/]: {RunView.Status(response.Json.Text("status"))}");
        }

        return ExitCodes.Success;
    }
}
