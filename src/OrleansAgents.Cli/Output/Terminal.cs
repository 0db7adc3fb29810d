using Spectre.Console;

namespace OrleansAgents.Cli.Output;

/// <summary>Spectre.Console on stdout: colours on a terminal, plain unwrapped text when redirected.</summary>
public static class Terminal
{
    public static IAnsiConsole Create()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        if (Console.IsOutputRedirected)
        {
            // Pipes and files have no width: do not wrap lines at a guessed 80 columns.
            console.Profile.Width = 4096;
        }

        return console;
    }
}
