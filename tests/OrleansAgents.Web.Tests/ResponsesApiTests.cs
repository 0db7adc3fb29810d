using System.ClientModel;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.AI;
using OpenAI.Responses;
using static OrleansAgents.Web.Tests.OpenAIClients;

namespace OrleansAgents.Web.Tests;

/// <summary>
/// The Responses-compatible API through the official OpenAI .NET SDK (and Microsoft.Extensions.AI over it) against
/// the real cluster: background runs started, streamed, dropped and resumed, polled, approved and deleted.
/// </summary>
public sealed class ResponsesApiTests(FrontEndFixture fixture)
{
    private const string Key = "dev-user-1";

    private ResponsesClient Client => ResponsesFor(fixture.BaseAddress, Key);

    [Fact]
    public async Task A_background_stream_dropped_mid_text_and_resumed_with_starting_after_gives_exactly_what_a_replay_from_the_start_shows()
    {
        var client = Client;
        var options = new CreateResponseOptions(Agent, [ResponseItem.CreateUserMessageItem(ClinicRequest)]) { BackgroundModeEnabled = true, StreamingEnabled = true };
        options.Metadata["ticket"] = "T-1";

        // Read until the model's text is streaming, two deltas in, and drop the connection there.
        var deltas = 0;
        var first = await ReadAsync(client.CreateResponseStreamingAsync(options), u => u is StreamingResponseOutputTextDeltaUpdate && ++deltas == 2);
        var id = ((StreamingResponseCreatedUpdate)first[0]).Response.Id;
        Assert.Equal(2, deltas);

        var rest = await ReadAsync(client.GetResponseStreamingAsync(new GetResponseOptions(id) { StreamingEnabled = true, StartingAfter = first[^1].SequenceNumber }));
        var replay = await ReadAsync(client.GetResponseStreamingAsync(new GetResponseOptions(id) { StreamingEnabled = true }));

        // The two parts are the replay, event for event, numbered 0..n without a gap; a replay is the same every time.
        Assert.Equal(replay.Select(Describe), first.Concat(rest).Select(Describe));
        Assert.Equal(Enumerable.Range(0, replay.Count), replay.Select(u => u.SequenceNumber));
        using var http = fixture.Client(Key);
        var raw1 = await RawStreamAsync(http, $"/v1/responses/{id}?stream=true");
        var raw2 = await RawStreamAsync(http, $"/v1/responses/{id}?stream=true&starting_after=5");
        Assert.Equal(raw1.Skip(6), raw2);
        Assert.All(raw1, e => Assert.Equal(e.Type, JsonDocument.Parse(e.Data).RootElement.GetProperty("type").GetString()));

        // The response ends where the agent asks a person: completed, with the tools it ran and the approval request.
        var completed = Assert.IsType<StreamingResponseCompletedUpdate>(replay[^1]).Response;
        Assert.Equal(ResponseStatus.Completed, completed.Status);
        Assert.Equal("T-1", completed.Metadata["ticket"]);
        Assert.True(completed.BackgroundModeEnabled);
        Assert.Contains(completed.OutputItems, i => i is McpToolCallItem { ToolName: "delegate_tasks", ServerLabel: "orleans-agents" }); // one child run per document
        var request = Assert.IsType<McpToolCallApprovalRequestItem>(completed.OutputItems[^1]);
        Assert.Equal("publish_configuration", request.ToolName);
        Assert.True(completed.Usage.TotalTokenCount > 0);

        // The assembled text is the committed result: each message's deltas are its committed model text.
        var committed = await CommittedModelTextsAsync(http, RunIdOf(id));
        Assert.Equal(committed, AssembledText(replay).Values);
        Assert.Equal(string.Concat(committed), CompletedText(replay));
        Assert.Equal(string.Concat(committed), (await client.GetResponseAsync(id)).Value.GetOutputText());
    }

    [Fact]
    public async Task A_polled_background_response_approved_through_previous_response_id_continues_the_same_run_to_its_end_and_a_resent_approval_applies_once()
    {
        var client = Client;
        var created = (await client.CreateResponseAsync(new CreateResponseOptions(Agent, [ResponseItem.CreateUserMessageItem(ClinicRequest)]) { BackgroundModeEnabled = true })).Value;
        Assert.True(created.Status is ResponseStatus.Queued or ResponseStatus.InProgress);
        Assert.Empty(created.OutputItems);

        var waiting = await PollAsync(client, created.Id);
        Assert.Equal(ResponseStatus.Completed, waiting.Status);
        var request = Assert.IsType<McpToolCallApprovalRequestItem>(waiting.OutputItems[^1]);

        var follow = new CreateResponseOptions { Model = Agent, PreviousResponseId = created.Id, BackgroundModeEnabled = true };
        follow.InputItems.Add(ResponseItem.CreateMcpApprovalResponseItem(request.Id, approved: true));
        var next = (await client.CreateResponseAsync(follow)).Value;
        var again = (await client.CreateResponseAsync(follow)).Value; // a client resending the same answer
        Assert.Equal(next.Id, again.Id);
        Assert.Equal(created.Id, next.PreviousResponseId);

        var done = await PollAsync(client, next.Id);
        Assert.Equal(ResponseStatus.Completed, done.Status);
        Assert.Contains(done.OutputItems, i => i is McpToolCallItem { ToolName: "publish_configuration" } call && call.Error is null);
        Assert.False(string.IsNullOrEmpty(done.GetOutputText()));

        // One run throughout: approved once, ended once.
        using var http = fixture.Client(Key);
        var runId = RunIdOf(next.Id);
        Assert.Equal(RunIdOf(created.Id), runId);
        var events = await EventsAsync(http, runId);
        Assert.Single(events, e => e.GetProperty("type").GetString() == "input.approved");
        Assert.Equal("run.succeeded", events[^1].GetProperty("type").GetString());

        // The first response stays as it ended: completed, asking.
        Assert.IsType<McpToolCallApprovalRequestItem>((await client.GetResponseAsync(created.Id)).Value.OutputItems[^1]);

        // Answering the request again with another decision is refused, in the OpenAI error shape.
        var reject = new CreateResponseOptions { Model = Agent, PreviousResponseId = created.Id };
        reject.InputItems.Add(ResponseItem.CreateMcpApprovalResponseItem(request.Id, approved: false));
        var error = await Assert.ThrowsAsync<ClientResultException>(() => client.CreateResponseAsync(reject));
        Assert.Equal(400, error.Status);
    }

    /// <summary>
    /// Issue 16: between the front end's check that the approval request is unanswered and its call to the run (a row
    /// insert, then retries while no worker takes the call: seconds in a deploy), the page answered the request and the
    /// run asked its next question. The answer sent for the first request must be refused, never approve the second.
    /// </summary>
    [Fact]
    public async Task An_approval_through_previous_response_id_that_loses_a_race_to_another_answer_is_refused_and_never_approves_the_next_question()
    {
        var client = Client;
        var input = ClinicRequest[..^1] + ""","revisionRounds":2}"""; // two rounds: two approval requests, one after the other
        var created = (await client.CreateResponseAsync(new CreateResponseOptions(Agent, [ResponseItem.CreateUserMessageItem(input)]) { BackgroundModeEnabled = true })).Value;
        var first = Assert.IsType<McpToolCallApprovalRequestItem>((await PollAsync(client, created.Id)).OutputItems[^1]);
        var firstSeq = long.Parse(first.Id["mcpr_".Length..], System.Globalization.CultureInfo.InvariantCulture);
        var runId = RunIdOf(created.Id);
        using var http = fixture.Client(Key);

        // Hold the /v1 answer inside that window: the row it inserts after its check waits for this lock.
        await using var holder = await fixture.Cluster.DataSource.OpenConnectionAsync();
        await using var hold = await holder.BeginTransactionAsync();
        await using (var lockTable = new Npgsql.NpgsqlCommand("LOCK TABLE oa_responses IN EXCLUSIVE MODE", holder, hold))
        {
            await lockTable.ExecuteNonQueryAsync();
        }

        var follow = new CreateResponseOptions { Model = Agent, PreviousResponseId = created.Id, BackgroundModeEnabled = true };
        follow.InputItems.Add(ResponseItem.CreateMcpApprovalResponseItem(first.Id, approved: true));
        var racing = client.CreateResponseAsync(follow);
        await EventuallyAsync(async () => await CountAsync(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%INSERT INTO oa_responses%'") == 1);

        // Meanwhile the page approves the same request, and the run goes on to ask its next question.
        using (var approved = await http.PostAsync($"/api/runs/{runId}/input", JsonBody("""{"kind":"approve","comment":"from the page"}""")))
        {
            Assert.Equal(HttpStatusCode.Accepted, approved.StatusCode);
        }

        long secondSeq = 0;
        await EventuallyAsync(async () =>
        {
            var run = await http.GetFromJsonAsync<JsonElement>($"/api/runs/{runId}");
            secondSeq = run.TryGetProperty("waitingFor", out var w) && w.ValueKind == JsonValueKind.Object ? w.GetProperty("seq").GetInt64() : 0;
            return secondSeq > firstSeq;
        });
        await hold.CommitAsync();

        // The late answer is refused in the OpenAI error shape, and the question open now stays open.
        var error = await Assert.ThrowsAsync<ClientResultException>(() => racing);
        Assert.Equal(400, error.Status);
        var body = JsonDocument.Parse(error.GetRawResponse()!.Content.ToString()).RootElement.GetProperty("error");
        Assert.Equal("approval_request_answered", body.GetProperty("code").GetString());
        Assert.Equal("input[0].approval_request_id", body.GetProperty("param").GetString());
        Assert.Contains("already been approved", body.GetProperty("message").GetString(), StringComparison.Ordinal);
        var events = await EventsAsync(http, runId);
        Assert.DoesNotContain(events, e => e.GetProperty("data").TryGetProperty("key", out var k) && k.GetString() == $"responses:{firstSeq}");
        Assert.Single(events, e => e.GetProperty("type").GetString() == "input.approved");
        var waiting = await http.GetFromJsonAsync<JsonElement>($"/api/runs/{runId}");
        Assert.Equal("waitingForInput", waiting.GetProperty("status").GetString());
        Assert.Equal(secondSeq, waiting.GetProperty("waitingFor").GetProperty("seq").GetInt64());

        // The page's answer that names a question answered already is refused too (409), and the open one is answered by its seq.
        using (var stale = await http.PostAsync($"/api/runs/{runId}/input", JsonBody($$"""{"kind":"approve","requestSeq":{{firstSeq}}}""")))
        {
            Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        }

        using (var current = await http.PostAsync($"/api/runs/{runId}/input", JsonBody($$"""{"kind":"reject","reason":"not this round","requestSeq":{{secondSeq}}}""")))
        {
            Assert.Equal(HttpStatusCode.Accepted, current.StatusCode);
        }

        using (var invalid = await http.PostAsync($"/api/runs/{runId}/input", JsonBody("""{"kind":"approve","requestSeq":"12"}""")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        }

        Assert.Equal("input.rejected", (await EventsAsync(http, runId)).Last(e => e.GetProperty("type").GetString()!.StartsWith("input.", StringComparison.Ordinal)).GetProperty("type").GetString());
        (await http.PostAsync($"/api/runs/{runId}/cancel", null)).Dispose();
    }

    private async Task<long> CountAsync(string sql)
    {
        await using var command = fixture.Cluster.DataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 600; i++)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail("The condition did not hold within 60 s.");
    }

    /// <summary>Starts a background voice-agent-builder response, polls it to its question, answers it through previous_response_id.</summary>
    private static async Task<(ResponseResult Created, ResponseResult Next)> AnswerTheFirstQuestionAsync(ResponsesClient client, bool approved)
    {
        var created = (await client.CreateResponseAsync(new CreateResponseOptions(Agent, [ResponseItem.CreateUserMessageItem(ClinicRequest)]) { BackgroundModeEnabled = true })).Value;
        var request = Assert.IsType<McpToolCallApprovalRequestItem>((await PollAsync(client, created.Id)).OutputItems[^1]);
        var follow = new CreateResponseOptions { Model = Agent, PreviousResponseId = created.Id, BackgroundModeEnabled = true };
        follow.InputItems.Add(ResponseItem.CreateMcpApprovalResponseItem(request.Id, approved));
        return (created, (await client.CreateResponseAsync(follow)).Value);
    }

    [Fact]
    public async Task A_rejection_through_previous_response_id_goes_on_as_a_rejection_does_and_its_response_completes()
    {
        var client = Client;
        var (created, next) = await AnswerTheFirstQuestionAsync(client, approved: false);
        var done = await PollAsync(client, next.Id);

        // The tool did not run: its call shows the rejection, and the agent went on to its answer.
        Assert.Equal(ResponseStatus.Completed, done.Status);
        Assert.Equal(created.Id, done.PreviousResponseId);
        var publish = Assert.Single(done.OutputItems.OfType<McpToolCallItem>(), c => c.ToolName == "publish_configuration");
        Assert.Contains("Rejected", publish.Error?.ToString(), StringComparison.Ordinal);
        Assert.StartsWith("I did not publish the configuration", done.GetOutputText(), StringComparison.Ordinal);
        using var http = fixture.Client(Key);
        var events = await EventsAsync(http, RunIdOf(next.Id));
        Assert.Single(events, e => e.GetProperty("type").GetString() == "input.rejected");
        Assert.DoesNotContain(events, e => e.GetProperty("type").GetString() == "input.approved");
        Assert.DoesNotContain(events, e => e.GetProperty("type").GetString() == "tool.intent" && e.GetProperty("data").GetProperty("tool").GetString() == "publish_configuration");
        Assert.Equal("run.succeeded", events[^1].GetProperty("type").GetString());
    }

    [Fact]
    public async Task Another_owners_delete_stream_and_previous_response_id_are_not_found_and_leave_the_response_as_it_was()
    {
        var mine = (await Client.CreateResponseAsync(new CreateResponseOptions("bench", [ResponseItem.CreateUserMessageItem("""{"steps":20,"stepMs":50}""")]) { BackgroundModeEnabled = true })).Value;
        using var theirs = fixture.Client("dev-user-2");

        using (var delete = await theirs.DeleteAsync($"/v1/responses/{mine.Id}"))
        {
            await AssertOpenAIErrorAsync(delete, HttpStatusCode.NotFound, null);
        }

        using (var stream = await theirs.GetAsync($"/v1/responses/{mine.Id}?stream=true"))
        {
            await AssertOpenAIErrorAsync(stream, HttpStatusCode.NotFound, null);
        }

        var follow = $$"""{"model":"bench","previous_response_id":"{{mine.Id}}","input":[{"type":"mcp_approval_response","approval_request_id":"mcpr_1","approve":true}]}""";
        using (var continued = await theirs.PostAsync("/v1/responses", JsonBody(follow)))
        {
            await AssertOpenAIErrorAsync(continued, HttpStatusCode.NotFound, "previous_response_id");
        }

        // Its owner gets past that check (to the missing approval request), and the run went on untouched.
        using var http = fixture.Client(Key);
        using (var own = await http.PostAsync("/v1/responses", JsonBody(follow)))
        {
            await AssertOpenAIErrorAsync(own, HttpStatusCode.BadRequest, "input[0].approval_request_id");
        }

        Assert.Equal(ResponseStatus.Completed, (await PollAsync(Client, mine.Id)).Status);
    }

    [Fact]
    public async Task A_response_created_without_background_waits_for_its_end_and_the_models_are_the_agents()
    {
        using var http = fixture.Client(Key);
        var models = await http.GetFromJsonAsync<JsonElement>("/v1/models");
        Assert.Contains(models.GetProperty("data").EnumerateArray(), m => m.GetProperty("id").GetString() == Agent);

        var body = new System.Text.Json.Nodes.JsonObject { ["model"] = Agent, ["input"] = ClinicRequest, ["metadata"] = new System.Text.Json.Nodes.JsonObject { ["k"] = "v" } };
        using var answer = await http.PostAsync("/v1/responses", JsonBody(body.ToJsonString()));
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var response = await answer.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("completed", response.GetProperty("status").GetString());
        Assert.False(response.GetProperty("background").GetBoolean());
        Assert.Equal("v", response.GetProperty("metadata").GetProperty("k").GetString());
        Assert.Equal("mcp_approval_request", response.GetProperty("output").EnumerateArray().Last().GetProperty("type").GetString());

        // Not created in background mode: not streamed again, not cancelled.
        var id = response.GetProperty("id").GetString();
        using var stream = await http.GetAsync($"/v1/responses/{id}?stream=true");
        await AssertOpenAIErrorAsync(stream, HttpStatusCode.BadRequest, "stream");
        using var cancel = await http.PostAsync($"/v1/responses/{id}/cancel", null);
        await AssertOpenAIErrorAsync(cancel, HttpStatusCode.BadRequest, null);
    }

    [Fact]
    public async Task Bad_requests_get_the_OpenAI_error_shape_with_a_4xx_and_another_owners_response_is_not_found()
    {
        using var http = fixture.Client(Key);
        async Task Post(string body, HttpStatusCode status, string? param)
        {
            using var answer = await http.PostAsync("/v1/responses", JsonBody(body));
            await AssertOpenAIErrorAsync(answer, status, param);
        }

        await Post("""{"model":"no-such-agent","input":"hi"}""", HttpStatusCode.NotFound, "model");
        await Post("""{"model":"bench","input":"hi","frobnicate":true}""", HttpStatusCode.BadRequest, "frobnicate");
        await Post("""{"input":"hi"}""", HttpStatusCode.BadRequest, "model");
        await Post("""{"model":"voice-agent-builder","input":42}""", HttpStatusCode.BadRequest, "input");
        await Post("""{"model":"voice-agent-builder","input":[{"type":"function_call_output","call_id":"c","output":"x"}]}""", HttpStatusCode.BadRequest, "input[0].type");
        await Post("""{"model":"voice-agent-builder","input":"hi","tools":[{"type":"function","name":"f"}]}""", HttpStatusCode.BadRequest, "tools");
        await Post("""{"model":"voice-agent-builder","input":"hi","metadata":{"k":1}}""", HttpStatusCode.BadRequest, "metadata.k");
        await Post("""{"model":"voice-agent-builder","input":"hi","background":true,"store":false}""", HttpStatusCode.BadRequest, "store");
        await Post("""{"model":"voice-agent-builder","input":"{\"request\":\"\"}"}""", HttpStatusCode.BadRequest, null);
        await Post("""{"model":"voice-agent-builder","previous_response_id":"resp_nope","input":[{"type":"mcp_approval_response","approval_request_id":"mcpr_1","approve":true}]}""", HttpStatusCode.NotFound, "previous_response_id");
        await Post("not json", HttpStatusCode.BadRequest, null);
        await Post(new string('x', 10), HttpStatusCode.BadRequest, null);

        using var anonymous = fixture.Client(null);
        using var unauthorized = await anonymous.GetAsync("/v1/models");
        await AssertOpenAIErrorAsync(unauthorized, HttpStatusCode.Unauthorized, null);

        var mine = (await Client.CreateResponseAsync(new CreateResponseOptions("bench", [ResponseItem.CreateUserMessageItem("""{"steps":2}""")]) { BackgroundModeEnabled = true })).Value;
        var theirs = ResponsesFor(fixture.BaseAddress, "dev-user-2");
        var notFound = await Assert.ThrowsAsync<ClientResultException>(() => theirs.GetResponseAsync(mine.Id));
        Assert.Equal(404, notFound.Status);
        await Assert.ThrowsAsync<ClientResultException>(() => theirs.CancelResponseAsync(mine.Id));
        using var malformed = await http.GetAsync("/v1/responses/resp_x~0");
        await AssertOpenAIErrorAsync(malformed, HttpStatusCode.NotFound, null);
        using var badAfter = await http.GetAsync($"/v1/responses/{mine.Id}?stream=true&starting_after=abc");
        await AssertOpenAIErrorAsync(badAfter, HttpStatusCode.BadRequest, "starting_after");
    }

    [Fact]
    public async Task A_reused_Idempotency_Key_with_another_body_is_a_400_idempotency_key_in_use_under_v1_while_api_keeps_its_409()
    {
        using var http = fixture.Client(Key);
        var key = $"k-{Guid.NewGuid():N}";
        async Task<HttpResponseMessage> PostAsync(string path, string body)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonBody(body) };
            request.Headers.Add("Idempotency-Key", key);
            return await http.SendAsync(request);
        }

        using var first = await PostAsync("/v1/responses", """{"model":"bench","input":"{\"steps\":2}","background":true,"metadata":{"n":"1"}}""");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var id = (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        using var same = await PostAsync("/v1/responses", """{"model":"bench","input":"{\"steps\":2}","background":true,"metadata":{"n":"1"}}""");
        Assert.Equal(id, (await same.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString());

        // Another body under the key: a 409 would be resent by the SDKs; a 400 in the OpenAI shape is not.
        using var other = await PostAsync("/v1/responses", """{"model":"bench","input":"{\"steps\":3}","background":true}""");
        Assert.Equal(HttpStatusCode.BadRequest, other.StatusCode);
        var error = (await other.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        Assert.Equal(("invalid_request_error", "idempotency_key_in_use"), (error.GetProperty("type").GetString(), error.GetProperty("code").GetString()));
        Assert.False(other.Headers.Contains("x-should-retry")); // refused before any run was accepted
        Assert.Equal("1", (await Client.GetResponseAsync(id)).Value.Metadata["n"]); // the key's response as it was

        // Our own API keeps its problem details.
        using var api = await PostAsync("/api/runs", """{"agent":"bench","input":{"steps":3}}""");
        Assert.Equal(HttpStatusCode.Conflict, api.StatusCode);
        Assert.Equal("application/problem+json", api.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_deleted_response_takes_its_run_with_it()
    {
        var client = Client;
        var created = (await client.CreateResponseAsync(new CreateResponseOptions("bench", [ResponseItem.CreateUserMessageItem("""{"steps":200,"stepMs":20}""")]) { BackgroundModeEnabled = true })).Value;

        var deleted = (await client.DeleteResponseAsync(created.Id)).Value;

        Assert.True(deleted.Deleted);
        Assert.Equal(404, (await Assert.ThrowsAsync<ClientResultException>(() => client.GetResponseAsync(created.Id))).Status);
        using var http = fixture.Client(Key);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/api/runs/{RunIdOf(created.Id)}")).StatusCode);
    }

    [Fact]
    public async Task A_quiet_stream_carries_keep_alive_comments_that_the_dotnet_SDK_and_SSE_parsers_skip()
    {
        var client = Client;

        // One bench step of 3 s, three keep-alive intervals with nothing to stream (as a durable timer, child runs or a long tool).
        var created = (await client.CreateResponseAsync(new CreateResponseOptions("bench", [ResponseItem.CreateUserMessageItem("""{"steps":1,"stepMs":3000}""")]) { BackgroundModeEnabled = true })).Value;
        using var http = fixture.Client(Key);
        var viaSdk = ReadAsync(client.GetResponseStreamingAsync(new GetResponseOptions(created.Id) { StreamingEnabled = true }));
        var v1 = RawTextAsync(http, $"/v1/responses/{created.Id}?stream=true");
        var api = RawTextAsync(http, $"/api/runs/{RunIdOf(created.Id)}/events/stream");

        Assert.Contains(": keep-alive", (await v1).Split('\n'));
        Assert.Contains(": keep-alive", (await api).Split('\n'));
        var updates = await viaSdk;
        Assert.Equal(Enumerable.Range(0, updates.Count), updates.Select(u => u.SequenceNumber));
        Assert.Equal(ResponseStatus.Completed, Assert.IsType<StreamingResponseCompletedUpdate>(updates[^1]).Response.Status);
        using var bytes = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(await v1));
        var parsed = System.Net.ServerSentEvents.SseParser.Create(bytes).Enumerate().ToList();
        Assert.Equal(updates.Select(u => u.SequenceNumber), parsed.Select(e => JsonDocument.Parse(e.Data).RootElement.GetProperty("sequence_number").GetInt32()));
    }

    private static async Task<string> RawTextAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }

    [Fact]
    public async Task Deleting_an_earlier_response_of_a_continued_run_hides_only_it_and_deleting_the_latest_removes_the_run()
    {
        var client = Client;
        var (created, next) = await AnswerTheFirstQuestionAsync(client, approved: true);
        using var http = fixture.Client(Key);
        var runId = RunIdOf(created.Id);

        // The first response is not the run's latest: deleting it takes it away, and only it.
        Assert.True((await client.DeleteResponseAsync(created.Id)).Value.Deleted);
        Assert.Equal(404, (await Assert.ThrowsAsync<ClientResultException>(() => client.GetResponseAsync(created.Id))).Status);
        Assert.Equal(404, (await Assert.ThrowsAsync<ClientResultException>(() => client.DeleteResponseAsync(created.Id))).Status);
        var done = await PollAsync(client, next.Id);
        Assert.Equal(ResponseStatus.Completed, done.Status);
        Assert.Equal("run.succeeded", (await EventsAsync(http, runId))[^1].GetProperty("type").GetString());

        // The latest takes the run with it.
        Assert.True((await client.DeleteResponseAsync(next.Id)).Value.Deleted);
        Assert.Equal(404, (await Assert.ThrowsAsync<ClientResultException>(() => client.GetResponseAsync(next.Id))).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/api/runs/{runId}")).StatusCode);
    }

    [Fact]
    public async Task An_IChatClient_over_the_Responses_client_with_background_responses_starts_a_run_and_resumes_it_from_its_continuation_token()
    {
        IChatClient chat = Client.AsIChatClient(Agent);

        // Streaming: stop after a few updates, keep the token, resume from it (as a process that restarted would).
        ResponseContinuationToken? token = null;
        var firstPart = new List<ChatResponseUpdate>();
        await foreach (var update in chat.GetStreamingResponseAsync(ClinicRequest, new ChatOptions { AllowBackgroundResponses = true }))
        {
            firstPart.Add(update);
            token = update.ContinuationToken;
            if (firstPart.Count(u => u.Text.Length > 0) == 2)
            {
                break;
            }
        }

        Assert.NotNull(token);
        var restored = ResponseContinuationToken.FromBytes(token.ToBytes());
        var secondPart = new List<ChatResponseUpdate>();
        await foreach (var update in chat.GetStreamingResponseAsync([], new ChatOptions { ContinuationToken = restored, AllowBackgroundResponses = true }))
        {
            secondPart.Add(update);
        }

        var responseId = firstPart.Select(u => u.ResponseId).First(i => i is not null)!;
        var whole = await ReadAsync(Client.GetResponseStreamingAsync(new GetResponseOptions(responseId) { StreamingEnabled = true }));
        Assert.Equal(string.Concat(whole.OfType<StreamingResponseOutputTextDeltaUpdate>().Select(d => d.Delta)), string.Concat(firstPart.Concat(secondPart).Select(u => u.Text)));
        Assert.Null(secondPart[^1].ContinuationToken); // ended

        // Polling: the token comes back while the run works, and is gone once the response is done.
        var polled = await chat.GetResponseAsync(ClinicRequest, new ChatOptions { AllowBackgroundResponses = true });
        Assert.NotNull(polled.ContinuationToken);
        for (var i = 0; i < 900 && polled.ContinuationToken is { } next; i++)
        {
            await Task.Delay(100);
            polled = await chat.GetResponseAsync([], new ChatOptions { ContinuationToken = next });
        }

        Assert.Null(polled.ContinuationToken);
        using var http = fixture.Client(Key);
        Assert.Equal(string.Concat(await CommittedModelTextsAsync(http, RunIdOf(polled.ResponseId!))), string.Concat(polled.Messages.Select(m => m.Text)));
    }

    internal static async Task AssertOpenAIErrorAsync(HttpResponseMessage answer, HttpStatusCode status, string? param)
    {
        Assert.Equal(status, answer.StatusCode);
        Assert.Equal("application/json", answer.Content.Headers.ContentType?.MediaType);
        var error = (await answer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        Assert.Equal(JsonValueKind.String, error.GetProperty("type").ValueKind);
        Assert.True(error.TryGetProperty("code", out _));
        Assert.Equal(param, error.GetProperty("param").ValueKind == JsonValueKind.Null ? null : error.GetProperty("param").GetString());
    }
}
