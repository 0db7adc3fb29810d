using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using OrleansAgents.Runs;

namespace OrleansAgents.Web.Infrastructure;

/// <summary>Maps what callers can get wrong to RFC 9457 problem details with a 4xx status.</summary>
public sealed class ProblemExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title) = exception switch
        {
            InvalidRunRequestException => (StatusCodes.Status400BadRequest, "Invalid run request"),
            RunNotFoundException => (StatusCodes.Status404NotFound, "Run not found"),
            RunConflictException => (StatusCodes.Status409Conflict, "Conflicting request"),
            RunStateException => (StatusCodes.Status409Conflict, "Not possible in the run's state"),
            JsonException => (StatusCodes.Status400BadRequest, "Malformed JSON"),
            BadHttpRequestException bad => (bad.StatusCode, bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Request too large" : "Bad request"),
            _ => (0, ""),
        };
        if (status == 0 || httpContext.Response.HasStarted)
        {
            return false;
        }

        httpContext.Response.StatusCode = status;
        var context = new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = { Status = status, Title = title, Detail = exception.Message },
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
