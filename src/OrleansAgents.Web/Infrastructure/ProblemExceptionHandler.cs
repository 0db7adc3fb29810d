using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using OrleansAgents.Runs;

namespace OrleansAgents.Web.Infrastructure;

/// <summary>
/// Maps what callers can get wrong to RFC 9457 problem details with a 4xx status, and a cluster with no worker
/// able to take the call (a deploy, a restart) or no PostgreSQL to reach to 503 with <c>Retry-After</c>: never a 500.
/// </summary>
public sealed partial class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    private const int RetryAfterSeconds = 2;
    private const string StoreUnavailable = "Run store unavailable";

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title) = exception switch
        {
            Responses.OpenAIErrorException error => (error.Status, "Invalid request"),
            InvalidRunRequestException => (StatusCodes.Status400BadRequest, "Invalid run request"),
            RunNotFoundException => (StatusCodes.Status404NotFound, "Run not found"),
            RunConflictException => (StatusCodes.Status409Conflict, "Conflicting request"),
            RunStateException => (StatusCodes.Status409Conflict, "Not possible in the run's state"),
            RunQuotaExceededException => (StatusCodes.Status429TooManyRequests, "Quota exceeded"),
            JsonException => (StatusCodes.Status400BadRequest, "Malformed JSON"),
            BadHttpRequestException bad => (bad.StatusCode, bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Request too large" : "Bad request"),
            _ when NoWorkerFailures.IsNoWorker(exception) => (StatusCodes.Status503ServiceUnavailable, "No worker available"),
            _ when NoWorkerFailures.IsStoreUnavailable(exception) => (StatusCodes.Status503ServiceUnavailable, StoreUnavailable),
            _ => (0, ""),
        };
        if (httpContext.Response.HasStarted)
        {
            return false;
        }

        if (status == 0)
        {
            if (!Responses.OpenAIErrors.IsOpenAIPath(httpContext))
            {
                return false; // the framework's 500 problem details (the exception handler middleware has logged it)
            }

            // A fault of ours on /v1: still the OpenAI error shape, which the SDKs read (error.message), not problem JSON.
            // Logged here: since .NET 10 the middleware does not log an exception a handler has handled.
            Log.OpenAIFault(logger, httpContext.Request.Path, httpContext.TraceIdentifier, exception);
            await Responses.OpenAIErrors.WriteAsync(httpContext, StatusCodes.Status500InternalServerError,
                $"The server had an error while processing your request (trace {httpContext.TraceIdentifier}).");
            return true;
        }

        if (Responses.OpenAIErrors.IsOpenAIPath(httpContext))
        {
            // The OpenAI-compatible API answers in the OpenAI error shape.
            var error = exception as Responses.OpenAIErrorException;
            if (status == StatusCodes.Status503ServiceUnavailable)
            {
                httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                Log.NoWorker(logger, httpContext.Request.Path, exception.GetType().Name, exception.Message);
            }

            var message = status == StatusCodes.Status503ServiceUnavailable
                ? $"{title}: nothing was lost. Try again in {RetryAfterSeconds} s."
                : exception is JsonException ? "The request body is not valid JSON." : exception.Message;
            await Responses.OpenAIErrors.WriteAsync(httpContext, status, message, error?.Param, error?.Code);
            return true;
        }

        httpContext.Response.StatusCode = status;
        var detail = exception.Message;
        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            detail = title == StoreUnavailable
                ? $"PostgreSQL, where runs are kept, cannot be reached right now; nothing was lost. Try again in {RetryAfterSeconds} s."
                : $"No worker can take this call right now (workers are starting or restarting); nothing was lost. Try again in {RetryAfterSeconds} s.";
            Log.NoWorker(logger, httpContext.Request.Path, exception.GetType().Name, exception.Message);
        }

        var context = new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        };
        if (!await problems.TryWriteAsync(context))
        {
            // The client accepts only another type (an EventSource asks for text/event-stream): the problem
            // is still the answer, never a 500.
            await httpContext.Response.WriteAsJsonAsync(context.ProblemDetails, (JsonSerializerOptions?)null, "application/problem+json", cancellationToken);
        }

        return true;
    }
}
