using System.CommandLine;
using System.CommandLine.Invocation;
using OrleansAgents.Cli.Commands;

namespace OrleansAgents.Cli;

/// <summary>The root command, parse-error handling (exit code 2) and invocation.</summary>
public static class CliApplication
{
    public static RootCommand BuildRootCommand()
    {
        var root = new RootCommand(
            $"""
            oagents: start, follow and steer OrleansAgents runs over the front end's HTTP API.

            Connection: --url or OAGENTS_URL (default {GlobalOptions.DefaultUrl}), --api-key or OAGENTS_API_KEY.
            Add --json to any command for machine-readable output (watch: one event per line).

            {ExitCodes.HelpText}
            """);
        GlobalOptions.AddTo(root);
        root.Subcommands.Add(RunCommand.Create());
        return root;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        // No response files: '@file' is the --input syntax.
        var parseResult = BuildRootCommand().Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parseResult.Action is ParseErrorAction)
        {
            foreach (var error in parseResult.Errors)
            {
                await Console.Error.WriteLineAsync($"oagents: {error.Message}");
            }

            await Console.Error.WriteLineAsync("Run 'oagents --help' for usage.");
            return ExitCodes.Usage;
        }

        var configuration = new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = TimeSpan.FromSeconds(5) };
        try
        {
            return await parseResult.InvokeAsync(configuration);
        }
        catch (CliException ex)
        {
            await Console.Error.WriteLineAsync($"oagents: {ex.Message}");
            return ex.ExitCode;
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync("oagents: interrupted");
            return ExitCodes.Interrupted;
        }
    }
}
