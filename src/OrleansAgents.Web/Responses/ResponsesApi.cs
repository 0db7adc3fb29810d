using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using OrleansAgents.Journal;
using OrleansAgents.Runs;
using OrleansAgents.Runs.Retention;
using OrleansAgents.Web.Apis;
using OrleansAgents.Web.Auth;
using OrleansAgents.Web.Events;
using OrleansAgents.Web.Infrastructure;

namespace OrleansAgents.Web.Responses;

/// <summary>
/// The OpenAI Responses API over durable runs (<c>/v1</c>): <c>model</c> names an agent, a response is a run (or
/// the stretch of one after an approval), background responses survive worker deaths and deploys, and a
/// stream read again from any <c>starting_after</c> is exact (<see cref="ResponseProjector"/>). Errors take the
/// OpenAI shape; once a run is accepted the call never answers 408, 409, 429 or 5xx (SDKs resend those).
/// </summary>
public static partial class ResponsesApi
{
    private const int Page = 1000;

    public static IEndpointRouteBuilder MapResponsesApi(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup(OpenAIErrors.PathPrefix).RequireAuthorization().WithTags("OpenAI Responses");
        v1.MapPost("/responses", CreateAsync).RequireRateLimiting(RunsApi.StartRunsRateLimit)
            .WithSummary("Create a response: start a durable run of the agent 'model' (background, stream, or wait), or continue one with an approval");
        v1.MapGet("/responses/{id}", GetAsync).WithSummary("A response; ?stream=true&starting_after=N streams its events after N");
        v1.MapPost("/responses/{id}/cancel", CancelAsync).WithSummary("Cancel a background response (its run); idempotent");
        v1.MapDelete("/responses/{id}", DeleteAsync).WithSummary("Delete a response: the run's latest takes its run with it (cancelled if unfinished, removed); an earlier one is only hidden");
        v1.MapGet("/models", ModelsAsync).WithSummary("The agents, as models");
        return app;
    }

    private static async Task<IResult> CreateAsync(
        HttpContext context, ClaimsPrincipal user, IGrainFactory grains, ClusterCalls calls, ResponseStore responses, JournalStore journal,
        RunEventFollower follower, StreamLimiter limiter, IOptions<FrontEndOptions> options, ILogger<ResponseStore> logger)
    {
        var cancellationToken = context.RequestAborted;
        CreateResponseRequest request;
        try
        {
            using var body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: cancellationToken);
            request = CreateResponseRequest.Parse(body.RootElement, options.Value.MaxInputBytes);
        }
        catch (JsonException)
        {
            return OpenAIErrors.Result(400, "The request body is not valid JSON.", null, "invalid_json");
        }

        StreamSlot? slot = null;
        if (request.Stream)
        {
            slot = limiter.TryAcquire(user.Owner());
            if (slot is null)
            {
                return OpenAIErrors.Result(429, "This owner has too many live streams open (FrontEnd:MaxStreamsPerOwner); close some first.");
            }

            context.Response.RegisterForDispose(slot);
        }

        var (runId, afterSeq) = request.PreviousResponseId is { } previous
            ? await ContinueAsync(request, previous, user, grains, calls, responses, journal, cancellationToken)
            : await StartAsync(request, context, user, grains, calls, responses, journal, cancellationToken);

        // Accepted: from here on, the answer is the response as it stands, never an error a client would resend
        // (the SDKs resend 408, 409, 429 and 5xx with no idempotency key: a second run). Should one slip through
        // anyway, it tells the SDKs not to resend.
        OpenAIErrors.NoRetryOnceAccepted(context);
        var header = new ResponseHeader(ResponseIds.Response(runId, afterSeq), runId, afterSeq, request.Model, request.Background, request.Metadata,
            DateTimeOffset.UtcNow, request.PreviousResponseId);
        try
        {
            header = await HeaderAsync(runId, afterSeq, request.Model, responses, journal, cancellationToken);
            if (request.Stream)
            {
                return Stream(header, -1, follower, slot!, options.Value.SseKeepAlive, cancellationToken);
            }

            if (request.Background)
            {
                return Json((await ProjectAsync(header, journal, cancellationToken) ?? new ResponseProjector(header)).Response());
            }

            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            wait.CancelAfter(options.Value.ResponseWaitLimit);
            return Json(await WaitAsync(header, follower, wait.Token));
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            Log.AnsweredAsItStands(logger, header.Id, header.RunId, ex.Message);
            slot?.Dispose();
            return Json(new ResponseProjector(header).Response()); // in_progress: poll it
        }
    }

    private static async Task<(string RunId, long AfterSeq)> StartAsync(
        CreateResponseRequest request, HttpContext context, ClaimsPrincipal user, IGrainFactory grains, ClusterCalls calls, ResponseStore responses,
        JournalStore journal, CancellationToken cancellationToken)
    {
        var agents = await calls.RunAsync(() => grains.GetGrain<IAgentCatalogGrain>(0).ListAsync(), cancellationToken);
        if (!agents.Any(a => a.Name == request.Model))
        {
            throw new OpenAIErrorException(404, $"The model '{request.Model}' does not exist. Models here are agents: {string.Join(", ", agents.Select(a => a.Name))} (GET /v1/models).", "model", "model_not_found");
        }

        var owner = user.Owner();
        var runId = context.Request.Headers.TryGetValue("Idempotency-Key", out var key) && key.ToString() is { Length: > 0 and <= 256 } idempotencyKey
            ? RunsApi.RunIdFor(owner, idempotencyKey)
            : $"run-{Guid.CreateVersion7():N}";

        // The response's row first: a run that is accepted always has it.
        var id = ResponseIds.Response(runId);
        await responses.AddAsync(new ResponseRecord(id, runId, request.Background, request.Metadata.ToJsonString(), DateTimeOffset.UtcNow, null), cancellationToken);
        RunSnapshot run;
        try
        {
            run = await calls.RunAsync(() => grains.GetGrain<IAgentRunGrain>(runId).StartAsync(new StartRunRequest(request.Model, request.AgentInput!, owner)), cancellationToken);
        }
        catch (Exception ex) when (ex is InvalidRunRequestException or RunQuotaExceededException)
        {
            await responses.RemoveUnstartedAsync(id, runId, CancellationToken.None); // refused: no run will have it
            throw;
        }
        catch (RunConflictException)
        {
            // The key's run was started with another request; it and its row stay as they are. A 400, not /api's 409,
            // which the SDKs would resend.
            throw new OpenAIErrorException(400, "This Idempotency-Key was already used for a different request (model and input); send a new key.",
                null, "idempotency_key_in_use");
        }
        catch (Exception ex) when (NoWorkerFailures.IsUnavailable(ex))
        {
            // No worker or no PostgreSQL, maybe after the start landed (the answer lost on its way back): a run that
            // exists is answered as it stands; otherwise its row goes (only while the run has no event), and the 503
            // may be resent.
            if (await journal.ReadEventsAsync(runId, 0, 1, CancellationToken.None) is [_, ..])
            {
                return (runId, 0);
            }

            await responses.RemoveUnstartedAsync(id, runId, CancellationToken.None);
            throw;
        }

        if (!user.MaySee(run))
        {
            throw new OpenAIErrorException(400, $"Idempotency-Key names a run of another owner.", null, "idempotency_key_in_use");
        }

        return (runId, 0);
    }

    /// <summary>Answers the approval request that ended <paramref name="previous"/>: the response that follows begins after it.</summary>
    private static async Task<(string RunId, long AfterSeq)> ContinueAsync(
        CreateResponseRequest request, string previous, ClaimsPrincipal user, IGrainFactory grains, ClusterCalls calls, ResponseStore responses,
        JournalStore journal, CancellationToken cancellationToken)
    {
        if (!ResponseIds.TryParse(previous, out var runId, out var previousAfter))
        {
            throw new OpenAIErrorException(404, $"Previous response with id '{previous}' not found.", "previous_response_id", "previous_response_not_found");
        }

        var run = await VisibleAsync(runId, user, grains, calls, "previous_response_id", previous, cancellationToken);
        if (run.Agent != request.Model)
        {
            throw new OpenAIErrorException(400, $"The previous response's model is '{run.Agent}', not '{request.Model}'.", "model");
        }

        // The request must be the one that ended the previous response.
        var answer = request.Approvals[0];
        var ended = await ProjectAsync(await HeaderAsync(runId, previousAfter, run.Agent, responses, journal, cancellationToken), journal, cancellationToken);
        if (!ResponseIds.TryParseApprovalRequest(answer.RequestId, out var seq) || ended is not { Ended: true } || ended.LastSeq != seq
            || ended.Status != "completed" || !ended.EndedWithQuestion)
        {
            throw new OpenAIErrorException(400, $"Response '{previous}' has no approval request '{answer.RequestId}'.", "input[0].approval_request_id", "invalid_value");
        }

        // Answered once: the key names the request, so a resent answer is applied once and answered alike.
        var key = $"responses:{seq}";
        var answered = await AnswerOfAsync(runId, seq, journal, cancellationToken);
        if (answered is { } done && (done.Key != key || done.How != (answer.Approve ? "approved" : "rejected")))
        {
            throw new OpenAIErrorException(400, $"The approval request '{answer.RequestId}' has already been {done.How}.", "input[0].approval_request_id", "approval_request_answered");
        }

        await responses.AddAsync(new ResponseRecord(ResponseIds.Response(runId, seq), runId, request.Background, request.Metadata.ToJsonString(), DateTimeOffset.UtcNow, previous), cancellationToken);
        if (answered is null)
        {
            // The answer names its request: if another client answered it since the check above and the run asks
            // again (another tool, or the same one's outcome), the run refuses this answer instead of applying it there.
            var grain = grains.GetGrain<IAgentRunGrain>(runId);
            try
            {
                await calls.RunAsync(() => answer.Approve ? grain.ApproveAsync(answer.Reason, key, seq) : grain.RejectAsync(answer.Reason, key, seq), cancellationToken);
            }
            catch (Exception ex) when (ex is RunStateException or RunConflictException)
            {
                var how = await AnswerOfAsync(runId, seq, journal, cancellationToken) is { } other ? $"It has already been {other.How}. " : "";
                throw new OpenAIErrorException(400, $"The approval request '{answer.RequestId}' cannot be answered: {how}{ex.Message}", "input[0].approval_request_id", "approval_request_answered");
            }
        }

        return (runId, seq);
    }

    /// <summary>How the request at <paramref name="seq"/> was answered (its key), or null while it waits.</summary>
    private static async Task<(string? Key, string How)?> AnswerOfAsync(string runId, long seq, JournalStore journal, CancellationToken cancellationToken)
    {
        for (var after = seq; ;)
        {
            var events = await journal.ReadEventsAsync(runId, after, Page, cancellationToken);
            foreach (var e in events)
            {
                if (e.Type is RunEventTypes.InputApproved or RunEventTypes.InputRejected)
                {
                    using var doc = JsonDocument.Parse(e.Data);
                    var key = doc.RootElement.TryGetProperty("key", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString() : null;
                    return (key, e.Type == RunEventTypes.InputApproved ? "approved" : "rejected");
                }

                if (RunEventTypes.IsTerminal(e.Type))
                {
                    return (null, $"overtaken: the run has ended ({e.Type})");
                }
            }

            if (events.Count < Page)
            {
                return null;
            }

            after = events[^1].Seq;
        }
    }

    private static async Task<IResult> GetAsync(
        string id, string? stream, string? starting_after, HttpContext context, ClaimsPrincipal user, IGrainFactory grains, ClusterCalls calls,
        ResponseStore responses, JournalStore journal, RunEventFollower follower, StreamLimiter limiter, IOptions<FrontEndOptions> options)
    {
        var cancellationToken = context.RequestAborted;
        var streaming = stream switch
        {
            null or "" or "false" => false,
            "true" => true,
            _ => throw new OpenAIErrorException(400, "'stream' must be true or false.", "stream"),
        };
        var startingAfter = -1L;
        if (!string.IsNullOrEmpty(starting_after)
            && (!long.TryParse(starting_after, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out startingAfter) || startingAfter < -1))
        {
            throw new OpenAIErrorException(400, "'starting_after' must be a sequence number (0 or more).", "starting_after");
        }

        var header = await VisibleHeaderAsync(id, user, grains, calls, responses, journal, cancellationToken);
        if (!streaming)
        {
            return Json((await ProjectAsync(header, journal, cancellationToken) ?? throw NotFound(id)).Response());
        }

        if (!await ExistsAsync(header, journal, cancellationToken))
        {
            throw NotFound(id); // the stream reads the journal itself: only whether the response begins here
        }

        if (!header.Background)
        {
            throw new OpenAIErrorException(400, "Only responses created with 'background': true can be streamed again.", "stream");
        }

        if (limiter.TryAcquire(user.Owner()) is not { } slot)
        {
            return OpenAIErrors.Result(429, "This owner has too many live streams open (FrontEnd:MaxStreamsPerOwner); close some first.");
        }

        context.Response.RegisterForDispose(slot);
        return Stream(header, startingAfter, follower, slot, options.Value.SseKeepAlive, cancellationToken);
    }

    private static async Task<IResult> CancelAsync(
        string id, HttpContext context, ClaimsPrincipal user, IGrainFactory grains, ClusterCalls calls, ResponseStore responses, JournalStore journal)
    {
        var cancellationToken = context.RequestAborted;
        var header = await VisibleHeaderAsync(id, user, grains, calls, responses, journal, cancellationToken);
        if (!header.Background)
        {
            throw new OpenAIErrorException(400, "Only responses created with 'background': true can be cancelled.", null);
        }

        var response = await ProjectAsync(header, journal, cancellationToken) ?? throw NotFound(id);
        if (response.Ended)
        {
            return Json(response.Response()); // cancelled twice, or ended before: the final response
        }

        await calls.RunAsync(() => grains.GetGrain<IAgentRunGrain>(header.RunId).CancelAsync($"cancelled through POST /v1/responses/{id}/cancel"), cancellationToken);
        return Json((await ProjectAsync(header, journal, cancellationToken) ?? throw NotFound(id)).Response());
    }

    private static async Task<IResult> DeleteAsync(
        string id, HttpContext context, ClaimsPrincipal user, IGrainFactory grains, ClusterCalls calls, ResponseStore responses, JournalStore journal)
    {
        var cancellationToken = context.RequestAborted;
        var header = await VisibleHeaderAsync(id, user, grains, calls, responses, journal, cancellationToken);
        var response = await ProjectAsync(header, journal, cancellationToken) ?? throw NotFound(id);
        var deleted = new JsonObject { ["id"] = id, ["object"] = "response.deleted", ["deleted"] = true };

        // A response whose approval request was answered (anything follows it) is not its run's latest: the run goes
        // on in a later response, so only this one goes.
        if (response.EndedWithQuestion && await journal.ReadEventsAsync(header.RunId, response.LastSeq, 1, cancellationToken) is [_, ..])
        {
            await responses.HideAsync(id, header.RunId, cancellationToken);
            return Json(deleted);
        }

        // The run's latest response: deleting it cancels the run if it goes on, and removes the run whole.
        await calls.RunAsync(() => grains.GetGrain<IAgentRunGrain>(header.RunId).CancelAsync($"deleted through DELETE /v1/responses/{id}"), cancellationToken);
        var removed = await calls.RunAsync(() => grains.GetGrain<IRunRetentionGrain>(header.RunId).ExpireAsync(DateTimeOffset.UtcNow.AddMinutes(1)), cancellationToken);
        return removed
            ? Json(deleted)
            : OpenAIErrors.Result(400, $"Response '{id}' could not be deleted yet; try again.", null, "not_deleted");
    }

    private static async Task<IResult> ModelsAsync(IGrainFactory grains, ClusterCalls calls, CancellationToken cancellationToken)
    {
        var agents = await calls.RunAsync(() => grains.GetGrain<IAgentCatalogGrain>(0).ListAsync(), cancellationToken);
        var data = new JsonArray();
        foreach (var agent in agents)
        {
            data.Add(new JsonObject { ["id"] = agent.Name, ["object"] = "model", ["created"] = 0, ["owned_by"] = ResponseProjector.ServerLabel });
        }

        return Json(new JsonObject { ["object"] = "list", ["data"] = data });
    }

    /// <summary>The response's events after <paramref name="startingAfter"/>, then live to its end; quiet stretches kept alive (<see cref="FrontEndOptions.SseKeepAlive"/>).</summary>
    private static EventStreamResult Stream(
        ResponseHeader header, long startingAfter, RunEventFollower follower, StreamSlot slot, TimeSpan keepAlive, CancellationToken requestAborted)
    {
        return new EventStreamResult(Items(requestAborted), keepAlive);

        async IAsyncEnumerable<SseItem<string>> Items([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            try
            {
                var projector = new ResponseProjector(header);
                var sent = 0;
                foreach (var e in Pending(projector, sent, startingAfter))
                {
                    yield return e;
                }

                sent = projector.Events.Count;

                // From the event before the response (what its first tool call needs), through the journal, then live.
                await foreach (var e in follower.FollowAsync(header.RunId, Math.Max(0, header.AfterSeq - 1), cancellationToken))
                {
                    projector.Apply(e);
                    foreach (var item in Pending(projector, sent, startingAfter))
                    {
                        yield return item;
                    }

                    sent = projector.Events.Count;

                    if (projector.Ended)
                    {
                        break;
                    }
                }
            }
            finally
            {
                slot.Dispose();
            }
        }
    }

    /// <summary>The projector's events from index <paramref name="sent"/> on, past <paramref name="startingAfter"/>, as SSE (<c>event:</c> is the type).</summary>
    private static IEnumerable<SseItem<string>> Pending(ResponseProjector projector, int sent, long startingAfter) =>
        projector.Events.Skip(sent).Where(e => e.SequenceNumber > startingAfter).Select(e => new SseItem<string>(e.Json.ToJsonString(), e.Type));

    /// <summary>Follows the response to its end (a question or the run's end); what it stands at if following fails.</summary>
    private static async Task<JsonObject> WaitAsync(ResponseHeader header, RunEventFollower follower, CancellationToken cancellationToken)
    {
        var projector = new ResponseProjector(header);
        try
        {
            await foreach (var e in follower.FollowAsync(header.RunId, Math.Max(0, header.AfterSeq - 1), cancellationToken))
            {
                projector.Apply(e);
                if (projector.Ended)
                {
                    break;
                }
            }
        }
        catch (Exception)
        {
            // The wait limit, or the journal out of reach: the run goes on; the client polls GET /v1/responses/{id}.
        }

        return projector.Response();
    }

    /// <summary>The response folded from the journal as it stands; null when the response does not exist (no approval request at its start).</summary>
    private static async Task<ResponseProjector?> ProjectAsync(ResponseHeader header, JournalStore journal, CancellationToken cancellationToken)
    {
        var projector = new ResponseProjector(header);
        var after = Math.Max(0, header.AfterSeq - 1);
        var first = true;
        while (!projector.Ended)
        {
            var events = await journal.ReadEventsAsync(header.RunId, after, Page, cancellationToken);
            if (first && header.AfterSeq > 0 && events is not [{ Type: RunEventTypes.InputRequested }, _, ..])
            {
                return null; // no approval request there, or not answered yet: no response begins there
            }

            first = false;
            foreach (var e in events)
            {
                projector.Apply(e);
            }

            if (events.Count < Page)
            {
                break;
            }

            after = events[^1].Seq;
        }

        return projector;
    }

    /// <summary>A response from the start exists with its run; one from an approval request once the request was answered.</summary>
    private static async Task<bool> ExistsAsync(ResponseHeader header, JournalStore journal, CancellationToken cancellationToken) =>
        header.AfterSeq == 0
        || await journal.ReadEventsAsync(header.RunId, header.AfterSeq - 1, 2, cancellationToken) is [{ Type: RunEventTypes.InputRequested }, _];

    private static async Task<ResponseHeader> VisibleHeaderAsync(
        string id, ClaimsPrincipal user, IGrainFactory grains, ClusterCalls calls, ResponseStore responses, JournalStore journal, CancellationToken cancellationToken)
    {
        if (!ResponseIds.TryParse(id, out var runId, out var afterSeq))
        {
            throw NotFound(id);
        }

        var run = await VisibleAsync(runId, user, grains, calls, null, id, cancellationToken);
        var header = await HeaderAsync(runId, afterSeq, run.Agent, responses, journal, cancellationToken);
        return header.Deleted ? throw NotFound(id) : header;
    }

    private static async Task<RunSnapshot> VisibleAsync(
        string runId, ClaimsPrincipal user, IGrainFactory grains, ClusterCalls calls, string? param, string id, CancellationToken cancellationToken)
    {
        try
        {
            return await RunsApi.GetVisibleAsync(grains, calls, runId, user, cancellationToken);
        }
        catch (RunNotFoundException)
        {
            throw param is null ? NotFound(id) : new OpenAIErrorException(404, $"Previous response with id '{id}' not found.", param, "previous_response_not_found");
        }
    }

    private static async Task<ResponseHeader> HeaderAsync(string runId, long afterSeq, string model, ResponseStore responses, JournalStore journal, CancellationToken cancellationToken)
    {
        var id = ResponseIds.Response(runId, afterSeq);
        var record = await responses.GetAsync(id, runId, cancellationToken);
        var metadata = record is null ? new JsonObject() : JsonNode.Parse(record.Metadata) as JsonObject ?? new JsonObject();

        // Created when its first event was committed (run.started, or the question it answers): from the journal,
        // so every replay says the same.
        var createdAt = (await journal.ReadEventsAsync(runId, Math.Max(0, afterSeq - 1), 1, cancellationToken)) switch
        {
            [var e] => e.At,
            _ => record?.CreatedAt ?? DateTimeOffset.UtcNow,
        };

        // Without a row (a run started through /api/runs, or answered there), a response is a background one.
        return new ResponseHeader(id, runId, afterSeq, model, record?.Background ?? true, metadata, createdAt, record?.PreviousResponseId)
        {
            Deleted = record?.DeletedAt is not null,
        };
    }

    private static OpenAIErrorException NotFound(string id) => new(404, $"Response with id '{id}' not found.", null, "not_found");

    private static IResult Json(JsonObject body) => Results.Json(body);
}
