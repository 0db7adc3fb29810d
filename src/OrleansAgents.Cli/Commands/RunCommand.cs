using System.CommandLine;

namespace OrleansAgents.Cli.Commands;

/// <summary><c>oagents run ...</c>: the command group for runs.</summary>
public static class RunCommand
{
    public static Command Create()
    {
        var run = new Command("run", "Start, inspect, follow and steer runs");
        run.Subcommands.Add(StartCommand.Create());
        run.Subcommands.Add(GetCommand.Create());
        run.Subcommands.Add(ListCommand.Create());
        run.Subcommands.Add(WatchCommand.Create());
        run.Subcommands.Add(CancelCommand.Create());
        run.Subcommands.Add(InputCommands.Approve());
        run.Subcommands.Add(InputCommands.Reject());
        run.Subcommands.Add(InputCommands.Say());
        return run;
    }
}
