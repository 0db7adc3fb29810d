using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using OrleansAgents.Journal;
using OrleansAgents.Runs;
using OrleansAgents.Web.Auth;
using OrleansAgents.Web.Infrastructure;

namespace OrleansAgents.Web.Apis;

/// <summary>The runs REST API: start, read, list, cancel, input, events.</summary>
public static partial class RunsApi
{
    public const string StartRunsRateLimit = "start-runs";
    private const int MaxPage = 1000;
    private const int MaxIdempotencyKey = 256;

    public static RouteGroupBuilder MapRunsApi(this IEndpointRouteBuilder app)
    {
        var runs = app.MapGroup("/api/runs").RequireAuthorization().WithTags("Runs");
        runs.MapPost("/", StartAsync).RequireRateLimiting(StartRunsRateLimit)
            .WithSummary("Start a run (idempotent by runId or Idempotency-Key)");
        runs.MapGet("/", ListAsync).WithSummary("The caller's runs, newest first");
        runs.MapGet("/{id}", GetAsync).WithSummary("A run");
        runs.MapPost("/{id}/cancel", CancelAsync).WithSummary("Cancel a run");
        runs.MapPost("/{id}/input", InputAsync).WithSummary("Approve, reject, or send a message (idempotent by Idempotency-Key)");
        runs.MapGet("/{id}/events", EventsAsync).WithSummary("Committed events after a sequence number");
        return runs;
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")]
    private static partial Regex RunIdPattern();

    public static bool IsValidRunId(string id) => RunIdPattern().IsMatch(id);

    /// <summary>The run an owner's Idempotency-Key names: the same key from the same owner always names the same run.</summary>
    public static string RunIdFor(string owner, string idempotencyKey) =>
        "run-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{owner}\n{idempotencyKey}")))[..32];

    private static async Task<IResult> StartAsync(HttpRequest request, ClaimsPrincipal user, IGrainFactory grains, ClusterCalls calls, IOptions<FrontEndOptions> options)
    {
        var body = await RequestBodies.ReadAsync(request, RequestBodyJsonContext.Default.StartRunBody);
        if (body is null)
        {
            return Problem(400, "Invalid run request", "The body must be a JSON object: { \"agent\": \"...\", \"input\": {...}, \"runId\"?: \"...\" }.");
        }

        if (body.Agent is not { Length: > 0 } agent)
        {
            return Problem(400, "Invalid run request", "'agent' is required and must be a non-empty string.");
        }

        var input = body.Input.Text ?? "{}";
        if (Encoding.UTF8.GetByteCount(input) > options.Value.MaxInputBytes)
        {
            return Problem(413, "Input too large", $"The run input is larger than {options.Value.MaxInputBytes} bytes.");
        }

        var owner = user.Owner();
        string runId;
        if (body.RunId is { } requested)
        {
            if (!IsValidRunId(requested))
            {
                return Problem(400, "Invalid run ID", "'runId' must be 1-128 characters of letters, digits, '.', '_', ':' or '-', starting with a letter or digit.");
            }

            if (requested.Contains("::", StringComparison.Ordinal))
            {
                return Problem(400, "Invalid run ID", "'runId' may not contain '::': run IDs with '::' are reserved for child runs, which their parent run names.");
            }

            runId = requested;
        }
        else if (request.Headers.TryGetValue("Idempotency-Key", out var key) && key.ToString() is { Length: > 0 and <= 256 } idempotencyKey)
        {
            // The same key from the same owner always names the same run.
            runId = RunIdFor(owner, idempotencyKey);
        }
        else
        {
            runId = $"run-{Guid.CreateVersion7():N}";
        }

        var run = await calls.RunAsync(() => grains.GetGrain<IAgentRunGrain>(runId).StartAsync(new StartRunRequest(agent, input, owner)), request.HttpContext.RequestAborted);
        if (!user.MaySee(run))
        {
            throw new RunConflictException($"Run ID '{runId}' is already in use.");
        }

        return Results.Accepted($"/api/runs/{runId}", RunJson.Resource(run));
    }

    private static async Task<IResult> ListAsync(
        ClaimsPrincipal user, RunQueries queries, string? status, string? agent, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        RunStatus? statusFilter = null;
        if (!string.IsNullOrEmpty(status))
        {
            if (!TryParseStatus(status, out var parsed))
            {
                return Problem(400, "Invalid filter", "'status' must be one of pending, running, waitingForInput, succeeded, failed, cancelled.");
            }

            statusFilter = parsed;
        }

        if (limit is < 1 or > MaxPage)
        {
            return Problem(400, "Invalid limit", $"'limit' must be from 1 to {MaxPage}.");
        }

        (DateTime, string)? after = null;
        if (!string.IsNullOrEmpty(cursor))
        {
            if (!RunQueries.TryDecodeCursor(cursor, out var key))
            {
                return Problem(400, "Invalid cursor", "'cursor' must be a value returned as 'nextCursor'.");
            }

            after = key;
        }

        var owner = user.IsOperator() ? null : user.Owner();
        return Results.Ok(await queries.ListAsync(owner, statusFilter, agent, limit ?? 50, after, cancellationToken));
    }

    private static async Task<IResult> GetAsync(string id, ClaimsPrincipal user, IGrainFactory grains, ClusterCalls calls, CancellationToken cancellationToken) =>
        Results.Ok(RunJson.Resource(await GetVisibleAsync(grains, calls, id, user, cancellationToken)));

    private static async Task<IResult> CancelAsync(string id, ClaimsPrincipal user, IGrainFactory grains, ClusterCalls calls, CancellationToken cancellationToken)
    {
        await GetVisibleAsync(grains, calls, id, user, cancellationToken);
        var run = await calls.RunAsync(() => grains.GetGrain<IAgentRunGrain>(id).CancelAsync($"cancelled by {user.Owner()}"), cancellationToken);
        return Results.Accepted($"/api/runs/{id}", RunJson.Resource(run));
    }

    private static async Task<IResult> InputAsync(string id, HttpRequest request, ClaimsPrincipal user, IGrainFactory grains, ClusterCalls calls)
    {
        var cancellationToken = request.HttpContext.RequestAborted;
        await GetVisibleAsync(grains, calls, id, user, cancellationToken);
        var body = await RequestBodies.ReadAsync(request, RequestBodyJsonContext.Default.RunInputBody);
        string? key = null;
        if (request.Headers.TryGetValue("Idempotency-Key", out var keys))
        {
            if (keys.ToString() is not { Length: > 0 and <= MaxIdempotencyKey } given)
            {
                return Problem(400, "Invalid Idempotency-Key", $"'Idempotency-Key' must be 1-{MaxIdempotencyKey} characters.");
            }

            key = given;
        }

        // Without the client's key, one of the request's own: the front end's retries of it apply once.
        key ??= $"req-{Guid.NewGuid():N}";

        if (body is { Kind: "approve" or "reject", RequestSeq: < 1 })
        {
            return Problem(400, "Invalid input", "'requestSeq' must be the seq of the question answered (waitingFor.seq), an integer from 1.");
        }

        // With the question's seq, the answer applies to that question only (the other methods let a worker of an older
        // build answer callers who do not send it).
        var grain = grains.GetGrain<IAgentRunGrain>(id);
        RunSnapshot run;
        switch (body?.Kind)
        {
            case "approve":
                run = await calls.RunAsync(() => body.RequestSeq is { } asked ? grain.ApproveAsync(body.Comment, key, asked) : grain.ApproveAsync(body.Comment, key), cancellationToken);
                break;
            case "reject":
                run = await calls.RunAsync(() => body.RequestSeq is { } asked ? grain.RejectAsync(body.Reason, key, asked) : grain.RejectAsync(body.Reason, key), cancellationToken);
                break;
            case "message":
                if (body.Message is not { Length: > 0 and <= 16_384 } message)
                {
                    return Problem(400, "Invalid input", "'message' must be a non-empty string of at most 16384 characters.");
                }

                run = await calls.RunAsync(() => grain.SendMessageAsync(message, key), cancellationToken);
                break;
            default:
                return Problem(400, "Invalid input", "'kind' must be 'approve', 'reject' or 'message'.");
        }

        return Results.Accepted($"/api/runs/{id}", RunJson.Resource(run));
    }

    private static async Task<IResult> EventsAsync(string id, ClaimsPrincipal user, IGrainFactory grains, ClusterCalls calls, JournalStore store, string? after, string? limit, CancellationToken cancellationToken)
    {
        if (!TryParseAfter(after, out var afterSeq))
        {
            return Problem(400, "Invalid 'after'", "'after' must be a sequence number, 0 or more.");
        }

        if (!int.TryParse(limit ?? "500", System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var max) || max is < 1 or > 1000)
        {
            return Problem(400, "Invalid 'limit'", "'limit' must be from 1 to 1000.");
        }

        await GetVisibleAsync(grains, calls, id, user, cancellationToken);
        var events = await store.ReadEventsAsync(id, afterSeq, max, cancellationToken);
        var json = new StringBuilder("[");
        for (var i = 0; i < events.Count; i++)
        {
            json.Append(i == 0 ? "" : ",").Append(RunJson.Event(events[i]));
        }

        return Results.Text(json.Append(']').ToString(), "application/json", Encoding.UTF8);
    }

    /// <summary>The run, if it exists and the caller may see it; otherwise 404 (another owner's run looks missing).</summary>
    public static async Task<RunSnapshot> GetVisibleAsync(IGrainFactory grains, ClusterCalls calls, string id, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (!IsValidRunId(id))
        {
            throw new RunNotFoundException($"Run '{id}' does not exist.");
        }

        var run = await calls.RunAsync(() => grains.GetGrain<IAgentRunGrain>(id).GetStatusAsync(), cancellationToken);
        return user.MaySee(run) ? run : throw new RunNotFoundException($"Run '{id}' does not exist.");
    }

    public static bool TryParseAfter(string? text, out long after)
    {
        after = 0;
        return string.IsNullOrEmpty(text)
            || (long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out after) && after >= 0);
    }

    private static bool TryParseStatus(string text, out RunStatus status)
    {
        status = text.Replace("_", "", StringComparison.Ordinal).ToLowerInvariant() switch
        {
            "pending" => RunStatus.Pending,
            "running" => RunStatus.Running,
            "waitingforinput" => RunStatus.WaitingForInput,
            "succeeded" => RunStatus.Succeeded,
            "failed" => RunStatus.Failed,
            "cancelled" => RunStatus.Cancelled,
            _ => RunStatus.None,
        };
        return status != RunStatus.None;
    }

    public static IResult Problem(int status, string title, string detail) =>
        Results.Problem(statusCode: status, title: title, detail: detail);
}
