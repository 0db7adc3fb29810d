namespace OrleansAgents.Runs;

/// <summary>
/// Failures that mean no worker could take a call right now (workers starting, restarting, a deploy), not that
/// the call was wrong: the front end answers them 503 with <c>Retry-After</c>, and the clients send the call again.
/// </summary>
public static class NoWorkerFailures
{
    /// <summary>
    /// The cluster has no silo that can host the grain yet (its type map lists no worker: "Could not find an
    /// implementation"; placement found no compatible silo), or the silo that had it went away mid-call.
    /// </summary>
    public static bool IsNoWorker(Exception exception) => exception switch
    {
        SiloUnavailableException or OrleansMessageRejectionException or TimeoutException or RunMovedException => true,
        ArgumentException argument => argument.Message.StartsWith("Could not find an implementation for interface", StringComparison.Ordinal),
        OrleansException orleans => orleans.Message.Contains("No active nodes are compatible", StringComparison.Ordinal),
        _ => exception.InnerException is { } inner && IsNoWorker(inner),
    };

    /// <summary>
    /// PostgreSQL, where runs are kept, cannot be reached right now (stopped, restarting, refusing connections):
    /// a transient database failure, from this process's own query or from a worker's (the cluster sends
    /// Npgsql's exceptions as themselves). Nothing was lost; the same call succeeds once it is back.
    /// </summary>
    public static bool IsStoreUnavailable(Exception exception) => exception switch
    {
        System.Data.Common.DbException { IsTransient: true } => true,
        // From another silo, a server error keeps its message ("57P01: terminating connection ...") but not its
        // SqlState: connection failures (08), too little resources (53), shutdown and restart (57P) and system errors (58).
        System.Data.Common.DbException db when (db.SqlState ?? LeadingCode(db.Message)) is { } state
            && (state.StartsWith("08", StringComparison.Ordinal) || state.StartsWith("53", StringComparison.Ordinal)
                || state.StartsWith("57P", StringComparison.Ordinal) || state.StartsWith("58", StringComparison.Ordinal)) => true,
        _ => exception.InnerException is { } inner && IsStoreUnavailable(inner),
    };

    private static string? LeadingCode(string message) =>
        message.Length > 6 && message[5] == ':' && message[..5].All(char.IsAsciiLetterOrDigit) ? message[..5] : null;

    /// <summary>Either: the call can be sent again as it is, after a while.</summary>
    public static bool IsUnavailable(Exception exception) => IsNoWorker(exception) || IsStoreUnavailable(exception);
}
