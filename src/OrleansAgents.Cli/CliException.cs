namespace OrleansAgents.Cli;

/// <summary>An error to report on one line of stderr, ending the process with <see cref="ExitCode"/>.</summary>
public sealed class CliException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;

    public static CliException Usage(string message) => new(ExitCodes.Usage, message);
}
