using System.Net.ServerSentEvents;
using Microsoft.AspNetCore.Http.Features;

namespace OrleansAgents.Web.Events;

/// <summary>
/// A server-sent event stream that sends its headers before its first event: a browser's EventSource reports itself
/// open only once it has them, and the stream of a quiet run (waiting for a person, sleeping on a timer) may have no
/// event for hours. <c>TypedResults.ServerSentEvents</c> starts the response with its first item. The items are
/// written with the framework's <see cref="SseFormatter"/>, flushed one by one.
/// </summary>
internal sealed class EventStreamResult(IAsyncEnumerable<SseItem<string>> items) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache,no-store";
        response.Headers.Pragma = "no-cache";
        response.Headers.ContentEncoding = "identity";
        httpContext.Features.GetRequiredFeature<IHttpResponseBodyFeature>().DisableBuffering();
        await response.StartAsync(httpContext.RequestAborted);
        await response.Body.FlushAsync(httpContext.RequestAborted);
        try
        {
            await SseFormatter.WriteAsync(items, response.Body, httpContext.RequestAborted);
        }
        catch (OperationCanceledException) when (httpContext.RequestAborted.IsCancellationRequested)
        {
            // the client went away
        }
    }
}
