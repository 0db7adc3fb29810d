using Microsoft.Extensions.Options;
using OrleansAgents.Runs;
using Polly;
using Polly.Timeout;

namespace OrleansAgents.Web.Infrastructure;

/// <summary>
/// Calls the cluster for an API request, again while no worker can take the call (a silo stopping in a rolling
/// deploy rejects it, a new worker is not in the type map yet) or PostgreSQL cannot be reached, with backoff for up to
/// <see cref="FrontEndOptions.NoWorkerRetryLimit"/>; only then does the caller get the 503. Every call sent
/// through here is safe to send again: reads, start (idempotent by run ID), cancel, and input under an
/// idempotency key (the API gives each input request one when the client did not).
/// </summary>
public sealed class ClusterCalls(IOptions<FrontEndOptions> options)
{
    private readonly ResiliencePipeline _retry = UnavailableRetry.Within(
        options.Value.NoWorkerRetryLimit, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), NoWorkerFailures.IsUnavailable);

    public async Task<T> RunAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        Exception? last = null;
        try
        {
            return await _retry.ExecuteAsync(
                async ct =>
                {
                    try
                    {
                        return await call().WaitAsync(ct);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        last = ex;
                        throw;
                    }
                },
                cancellationToken);
        }
        catch (TimeoutRejectedException) when (last is not null && NoWorkerFailures.IsStoreUnavailable(last))
        {
            // PostgreSQL is still down: answered as that (503, "Run store unavailable").
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(last);
            throw;
        }
        catch (TimeoutRejectedException ex)
        {
            // Still no worker after the limit: a no-worker failure, answered 503 (never Polly's own exception, a 500).
            throw new TimeoutException($"No worker took the call within {options.Value.NoWorkerRetryLimit.TotalSeconds:0} s (FrontEnd:NoWorkerRetryLimit).", ex);
        }
    }
}
