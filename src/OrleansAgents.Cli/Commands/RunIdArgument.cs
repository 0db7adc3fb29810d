using System.CommandLine;

namespace OrleansAgents.Cli.Commands;

/// <summary>The <c>&lt;id&gt;</c> argument most run commands take.</summary>
public static class RunIdArgument
{
    public static Argument<string> Create() => new("id") { Description = "The run ID" };
}
