using System.Buffers;
using System.Net.ServerSentEvents;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Security.Claims;
using System.Text;
using Microsoft.Extensions.Options;
using OrleansAgents.Web.Auth;
using OrleansAgents.Web.Events;
using OrleansAgents.Web.Infrastructure;

namespace OrleansAgents.Web.Apis;

/// <summary>Live run events over Server-Sent Events and WebSocket, with the resume rule of <see cref="RunEventFollower"/>.</summary>
public static class RunStreamsApi
{
    public static IEndpointRouteBuilder MapRunStreamsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/runs/{id}/events/stream", StreamAsync).RequireAuthorization().WithTags("Runs")
            .WithSummary("Server-Sent Events: the record after ?after= or Last-Event-ID, then live, until the run ends");
        app.MapGet("/api/runs/{id}/ws", WebSocketAsync).RequireAuthorization().WithTags("Runs")
            .WithSummary("WebSocket: one JSON event per message, same rules as the SSE stream");
        app.MapPost("/api/runs/{id}/stream-token", TokenAsync).RequireAuthorization().WithTags("Runs")
            .WithSummary("A short-lived token that opens this run's event stream (SSE, WebSocket) as ?access_token=, for browsers");
        return app;
    }

    private static async Task<IResult> TokenAsync(string id, HttpContext context, ClaimsPrincipal user, IGrainFactory grains, ClusterCalls calls, StreamTokens tokens)
    {
        if (!user.HasKey())
        {
            return RunsApi.Problem(403, "Forbidden", "A stream token opens a stream; it cannot issue tokens.");
        }

        var run = await RunsApi.GetVisibleAsync(grains, calls, id, user, context.RequestAborted);
        var (token, expiresAt) = tokens.Issue(run.RunId, run.Owner);
        context.Response.Headers.CacheControl = "no-store";
        return Results.Ok(new StreamToken(token, run.RunId, expiresAt));
    }

    private static async Task<IResult> StreamAsync(
        string id, string? after, HttpContext context, ClaimsPrincipal user, IGrainFactory grains, ClusterCalls calls, RunEventFollower follower, StreamLimiter limiter,
        IOptions<FrontEndOptions> options)
    {
        // Last-Event-ID (sent by a reconnecting EventSource) wins over ?after=.
        var lastEventId = context.Request.Headers["Last-Event-ID"].ToString();
        if (!RunsApi.TryParseAfter(lastEventId.Length > 0 ? lastEventId : after, out var afterSeq))
        {
            return RunsApi.Problem(400, "Invalid 'after'", "'after' and Last-Event-ID must be a sequence number, 0 or more.");
        }

        await RunsApi.GetVisibleAsync(grains, calls, id, user, context.RequestAborted);
        var slot = limiter.TryAcquire(user.Owner());
        if (slot is null)
        {
            return RunsApi.Problem(429, "Too many streams", "This owner has too many live streams open (FrontEnd:MaxStreamsPerOwner); close some first.");
        }

        context.Response.RegisterForDispose(slot); // released once, also when the stream never starts

        return new Events.EventStreamResult(Items(context.RequestAborted), options.Value.SseKeepAlive);

        async IAsyncEnumerable<SseItem<string>> Items([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            try
            {
                await foreach (var e in follower.FollowAsync(id, afterSeq, cancellationToken))
                {
                    yield return new SseItem<string>(Encoding.UTF8.GetString(RunJson.EventUtf8(e))) { EventId = e.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture) };
                }
            }
            finally
            {
                slot.Dispose();
            }
        }
    }

    private static async Task WebSocketAsync(
        string id, string? after, HttpContext context, ClaimsPrincipal user, IGrainFactory grains, ClusterCalls calls, RunEventFollower follower,
        StreamLimiter limiter, IOptions<FrontEndOptions> options)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await RunsApi.Problem(400, "WebSocket required", "Open this endpoint with a WebSocket upgrade.").ExecuteAsync(context);
            return;
        }

        var origin = context.Request.Headers.Origin.ToString();
        if (origin.Length > 0 && options.Value.AllowedOrigins.Length > 0
            && !options.Value.AllowedOrigins.Contains(origin, StringComparer.OrdinalIgnoreCase))
        {
            await RunsApi.Problem(403, "Origin not allowed", $"WebSocket connections from '{origin}' are not allowed.").ExecuteAsync(context);
            return;
        }

        if (!RunsApi.TryParseAfter(after, out var afterSeq))
        {
            await RunsApi.Problem(400, "Invalid 'after'", "'after' must be a sequence number, 0 or more.").ExecuteAsync(context);
            return;
        }

        await RunsApi.GetVisibleAsync(grains, calls, id, user, context.RequestAborted);
        using var slot = limiter.TryAcquire(user.Owner());
        if (slot is null)
        {
            await RunsApi.Problem(429, "Too many streams", "This owner has too many live streams open (FrontEnd:MaxStreamsPerOwner); close some first.").ExecuteAsync(context);
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        using var closed = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        var receiving = WatchForCloseAsync(socket, closed);
        try
        {
            await foreach (var e in follower.FollowAsync(id, afterSeq, closed.Token))
            {
                await socket.SendAsync(RunJson.EventUtf8(e), WebSocketMessageType.Text, endOfMessage: true, closed.Token);
            }

            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "run finished", closed.Token);
            await receiving.WaitAsync(TimeSpan.FromSeconds(5), context.RequestAborted);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or TimeoutException)
        {
            // The client left; nothing to clean up beyond the subscription the follower released.
        }
    }

    /// <summary>
    /// Reads (and ignores) client messages until the client closes, then cancels the send loop. It waits with a
    /// zero-byte read, so an idle watcher holds no receive buffer (a front end holds 10,000 of them in E2); a message
    /// the client does send is then read into a pooled buffer and dropped (a zero-byte read does not consume it).
    /// </summary>
    private static async Task WatchForCloseAsync(WebSocket socket, CancellationTokenSource closed)
    {
        try
        {
            while (socket.State is WebSocketState.Open or WebSocketState.CloseSent)
            {
                var result = await socket.ReceiveAsync(Memory<byte>.Empty, closed.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                if (!result.EndOfMessage)
                {
                    await DiscardMessageAsync(socket, closed.Token);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
        }
        finally
        {
            if (socket.State != WebSocketState.Closed || !closed.IsCancellationRequested)
            {
                await closed.CancelAsync();
            }
        }
    }

    /// <summary>Reads the rest of a client message into a pooled buffer and drops it.</summary>
    private static async Task DiscardMessageAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(1024);
        try
        {
            ValueWebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(buffer.AsMemory(), cancellationToken);
            }
            while (!result.EndOfMessage);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
