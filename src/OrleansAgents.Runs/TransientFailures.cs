using System.Net;
using System.Net.Sockets;
using Polly.Timeout;

namespace OrleansAgents.Runs;

/// <summary>Which step failures are worth another attempt, and how long to wait before it.</summary>
public static class TransientFailures
{
    /// <summary>
    /// HTTP 408/429/5xx, lost connections and timeouts, a database that cannot be reached; not bad requests, not our own cancellation. Agents add
    /// their clients' own failure types through <see cref="Agents.IAgent.IsTransient"/>.
    /// </summary>
    public static bool IsTransient(Exception exception) => exception switch
    {
        TimeoutRejectedException => true,
        TransientStepException => true,
        HttpRequestException http => http.StatusCode is null or HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)http.StatusCode >= 500,
        TaskCanceledException canceled => canceled.InnerException is TimeoutException, // HttpClient's own timeout
        IOException or SocketException => true,
        // A database a tool writes to that is restarting or refusing connections (not an error in what it asked).
        _ when NoWorkerFailures.IsStoreUnavailable(exception) => true,
        _ => exception.InnerException is { } inner && IsTransient(inner),
    };

    /// <summary>Exponential backoff from the committed number of failed attempts, with ±20% jitter.</summary>
    public static TimeSpan Backoff(int failedAttempts, TimeSpan baseDelay, TimeSpan maxDelay, Random? random = null)
    {
        var exponential = baseDelay.TotalMilliseconds * Math.Pow(2, Math.Clamp(failedAttempts, 0, 30));
        var capped = Math.Min(exponential, maxDelay.TotalMilliseconds);
#pragma warning disable CA5394 // Jitter, not security.
        var jitter = 0.8 + ((random ?? Random.Shared).NextDouble() * 0.4);
#pragma warning restore CA5394
        return TimeSpan.FromMilliseconds(capped * jitter);
    }
}

/// <summary>Thrown by a step body for a failure that another attempt may not meet (a busy dependency).</summary>
public sealed class TransientStepException : Exception
{
    public TransientStepException() { }

    public TransientStepException(string message) : base(message) { }

    public TransientStepException(string message, Exception innerException) : base(message, innerException) { }
}
