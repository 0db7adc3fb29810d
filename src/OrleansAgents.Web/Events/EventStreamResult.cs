using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http.Features;

namespace OrleansAgents.Web.Events;

/// <summary>
/// A server-sent event stream that sends its headers before its first event: a browser's EventSource reports itself
/// open only once it has them, and the stream of a quiet run (waiting for a person, sleeping on a timer, waiting for
/// its children, a long tool) may have no event for hours. <c>TypedResults.ServerSentEvents</c> starts the response
/// with its first item. While no item comes for <c>keepAlive</c> it sends a comment line
/// (<c>: keep-alive</c>), which every SSE parser ignores, so clients and proxies with a read timeout (the OpenAI .NET
/// SDK's is 100 s) do not give up on a quiet stream. The items are written with the framework's
/// <see cref="SseFormatter"/>, flushed one by one.
/// </summary>
internal sealed class EventStreamResult(IAsyncEnumerable<SseItem<string>> items, TimeSpan keepAlive) : IResult
{
    private static readonly ReadOnlyMemory<byte> KeepAliveComment = ": keep-alive\n\n"u8.ToArray();

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
            await SseFormatter.WriteAsync(KeepingAlive(response.Body, httpContext.RequestAborted), response.Body, httpContext.RequestAborted);
        }
        catch (OperationCanceledException) when (httpContext.RequestAborted.IsCancellationRequested)
        {
            // the client went away
        }
    }

    /// <summary>
    /// The items, with a comment written between them whenever the next is the keep-alive interval late. The formatter
    /// has written and sent each item before it asks for the next, so the comment never interleaves with an item.
    /// </summary>
    private async IAsyncEnumerable<SseItem<string>> KeepingAlive(Stream body, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var source = items.GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            // The source observes the request's token itself, so this waits only on it (no exception per quiet interval).
            var next = source.MoveNextAsync().AsTask();
            while (!next.IsCompleted)
            {
                await ((Task)next).WaitAsync(keepAlive, CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                if (!next.IsCompleted)
                {
                    try
                    {
                        await body.WriteAsync(KeepAliveComment, cancellationToken);
                        await body.FlushAsync(cancellationToken);
                    }
                    catch (Exception)
                    {
                        // The client went away: the source stops with the request, and is disposed only once it has.
                        await ((Task)next).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                        throw;
                    }
                }
            }

            if (!await next)
            {
                yield break;
            }

            yield return source.Current;
        }
    }
}
