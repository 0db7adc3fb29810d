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
        SiloUnavailableException or OrleansMessageRejectionException or TimeoutException => true,
        ArgumentException argument => argument.Message.StartsWith("Could not find an implementation for interface", StringComparison.Ordinal),
        OrleansException orleans => orleans.Message.Contains("No active nodes are compatible", StringComparison.Ordinal),
        _ => exception.InnerException is { } inner && IsNoWorker(inner),
    };
}
