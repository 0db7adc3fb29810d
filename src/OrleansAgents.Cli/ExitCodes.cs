namespace OrleansAgents.Cli;

/// <summary>The process exit codes scripts can rely on (listed in <c>oagents --help</c> and the README).</summary>
public static class ExitCodes
{
    /// <summary>Success; for <c>watch</c> and <c>start --watch</c>: the run succeeded.</summary>
    public const int Success = 0;

    /// <summary>The watched run ended failed or cancelled.</summary>
    public const int RunNotSucceeded = 1;

    /// <summary>Usage or bad input: unknown option, bad JSON, unreadable @file, missing API key, 400/413 from the server.</summary>
    public const int Usage = 2;

    /// <summary>The run does not exist (or belongs to another owner): 404.</summary>
    public const int NotFound = 3;

    /// <summary>The API key was rejected: 401 or 403.</summary>
    public const int Unauthorized = 4;

    /// <summary>Not possible in the run's state, or the run ID is taken by a different request: 409.</summary>
    public const int Conflict = 5;

    /// <summary>The server is unreachable, timed out, answered 5xx, or asked to slow down (429).</summary>
    public const int Unavailable = 6;

    /// <summary>Interrupted (Ctrl+C) while watching; <c>watch</c> continues from there next time.</summary>
    public const int Interrupted = 130;

    public const string HelpText =
        """
        Exit codes:
          0    success (watch, start --watch: the run succeeded)
          1    the watched run ended failed or cancelled
          2    usage or bad input (bad JSON, unreadable @file, missing API key, rejected by the server as invalid)
          3    run not found
          4    API key rejected (401/403)
          5    not possible in the run's state (e.g. approve with nothing pending), or run ID already in use
          6    server unreachable, timed out, 5xx, or rate-limited (429)
          130  interrupted (Ctrl+C) while watching
        """;
}
