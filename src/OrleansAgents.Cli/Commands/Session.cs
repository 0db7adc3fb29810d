using System.CommandLine;
using OrleansAgents.Cli.Api;
using OrleansAgents.Cli.Output;
using Spectre.Console;

namespace OrleansAgents.Cli.Commands;

/// <summary>What a command needs once parsed: the client, stdout, and whether to print raw JSON.</summary>
public sealed class Session : IDisposable
{
    private Session(Connection connection)
    {
        Connection = connection;
        Client = new RunsClient(connection);
        Console = Terminal.Create();
    }

    public Connection Connection { get; }

    public RunsClient Client { get; }

    public IAnsiConsole Console { get; }

    public bool Json => Connection.Json;

    public static Session Open(ParseResult parseResult) => new(GlobalOptions.Resolve(parseResult));

    /// <summary>The server's JSON as received (for --json).</summary>
    public static void WriteRaw(string json) => System.Console.Out.WriteLine(json.Trim());

    public void Dispose() => Client.Dispose();
}
