using System.Diagnostics;
using OpenAI.Responses;
using OrleansAgents.Testing;
using static OrleansAgents.Web.Tests.OpenAIClients;

namespace OrleansAgents.Web.Tests;

/// <summary>Background responses while their model call streams: cancelled, and the worker running it SIGKILLed.</summary>
public sealed class ResponsesFailureTests(SlowModelFixture fixture, ITestOutputHelper output) : IClassFixture<SlowModelFixture>, IAsyncLifetime
{
    private const string Key = "dev-user-1";

    private SiloProcess? _killed;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    /// <summary>A worker a test killed is started again, so the next test has both.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_killed is not null)
        {
            _killed.Start();
            await Cluster.WaitForActiveSilosAsync(Cluster.Silos.Count + 1, TimeSpan.FromSeconds(90));
        }
    }

    private AgentsCluster Cluster => fixture.Cluster;

    private ResponsesClient Client => ResponsesFor(Cluster.FrontEndAddress!, Key);

    [Fact]
    public async Task A_cancel_during_a_streaming_model_call_answers_cancelled_and_cuts_the_call_within_a_second_and_nothing_of_that_call_is_recorded()
    {
        var client = Client;
        var (id, _) = await StreamUntilTextAsync(client);

        // The first model call (5 s) is streaming: cancel it.
        var requested = DateTimeOffset.UtcNow;
        var watch = Stopwatch.StartNew();
        var cancelled = (await client.CancelResponseAsync(id)).Value;
        watch.Stop();
        output.WriteLine($"cancel answered in {watch.ElapsedMilliseconds} ms");

        Assert.Equal(ResponseStatus.Cancelled, cancelled.Status);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"cancel took {watch.ElapsedMilliseconds} ms");

        // The call in flight saw its cancellation token fire within a second of the request (the worker's note, same clock).
        var cut = DateTimeOffset.MaxValue;
        for (var i = 0; i < 50 && cut == DateTimeOffset.MaxValue; i++)
        {
            cut = fixture.CancelledCalls().Where(at => at >= requested).DefaultIfEmpty(DateTimeOffset.MaxValue).Min();
            await Task.Delay(100);
        }

        Assert.True(cut != DateTimeOffset.MaxValue, "the model call in flight never saw its cancellation");
        output.WriteLine($"model call cut {(cut - requested).TotalMilliseconds:0} ms after the cancel request");
        Assert.True(cut - requested < TimeSpan.FromSeconds(1), $"the model call was cut {(cut - requested).TotalMilliseconds:0} ms after the cancel request");
        Assert.Equal(ResponseStatus.Cancelled, (await client.CancelResponseAsync(id)).Value.Status); // twice: the final response

        // Longer than the call would have taken: it never completed; the stream ends cancelled, its text incomplete.
        await Task.Delay(TimeSpan.FromSeconds(5.5));
        using var http = new HttpClient { BaseAddress = Cluster.FrontEndAddress };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Key);
        var events = await EventsAsync(http, RunIdOf(id));
        Assert.DoesNotContain(events, e => e.GetProperty("type").GetString() == "step.completed");
        Assert.Equal("run.cancelled", events[^1].GetProperty("type").GetString());
        var replay = await ReadAsync(client.GetResponseStreamingAsync(new GetResponseOptions(id) { StreamingEnabled = true }));
        Assert.Equal("response.cancelled", replay[^1].Kind.ToString());
        Assert.Contains(replay.OfType<StreamingResponseOutputItemDoneUpdate>(), u => u.Item is MessageResponseItem { Status: MessageStatus.Incomplete });
    }

    [Fact]
    public async Task A_worker_SIGKILLed_while_it_streams_leaves_a_resumed_stream_with_no_gap_and_no_duplicate_text_included()
    {
        var client = Client;
        var (id, first) = await StreamUntilTextAsync(client);

        // Mid-generation: the worker running the model call dies; the client's connection drops too.
        var holder = await Cluster.HolderOfAsync(RunIdOf(id));
        holder.Kill();
        output.WriteLine($"killed {holder.Name} after seq {first[^1].SequenceNumber}");
        _killed = holder;

        var rest = await ReadAsync(client.GetResponseStreamingAsync(new GetResponseOptions(id) { StreamingEnabled = true, StartingAfter = first[^1].SequenceNumber }));
        var replay = await ReadAsync(client.GetResponseStreamingAsync(new GetResponseOptions(id) { StreamingEnabled = true }));

        Assert.Equal(replay.Select(Describe), first.Concat(rest).Select(Describe));
        Assert.Equal(Enumerable.Range(0, replay.Count), replay.Select(u => u.SequenceNumber));
        Assert.Equal(ResponseStatus.Completed, Assert.IsType<StreamingResponseCompletedUpdate>(replay[^1]).Response.Status);

        // The cut attempt's message ended incomplete with the text it had; the next attempt streamed its own, whole.
        var cut = replay.OfType<StreamingResponseOutputItemDoneUpdate>().Select(u => u.Item).OfType<MessageResponseItem>().First();
        Assert.Equal(MessageStatus.Incomplete, cut.Status);
        var texts = AssembledText(replay);
        Assert.StartsWith(texts[cut.Id], texts.Values.ElementAt(1), StringComparison.Ordinal);
        using var http = new HttpClient { BaseAddress = Cluster.FrontEndAddress };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Key);
        var committed = string.Concat(await CommittedModelTextsAsync(http, RunIdOf(id)));
        Assert.Equal(committed, CompletedText(replay));
        Assert.Contains(await EventsAsync(http, RunIdOf(id)), e => e.GetProperty("type").GetString() == "run.resumed");

        // What the SDK shows as the response's text is the committed text: the cut attempt's item is there, its text is not.
        var completed = Assert.IsType<StreamingResponseCompletedUpdate>(replay[^1]).Response;
        Assert.Contains(completed.OutputItems, i => i is MessageResponseItem { Status: MessageStatus.Incomplete, Content.Count: 0 });
        Assert.Equal(committed, completed.GetOutputText());
        Assert.Equal(committed, (await client.GetResponseAsync(id)).Value.GetOutputText());
    }

    [Fact]
    public async Task Through_the_openai_npm_package_a_cancel_cuts_the_streaming_model_call_and_a_stream_resumed_after_a_worker_SIGKILL_is_the_replay()
    {
        var (exit, text) = await NodeScript.RunAsync(Cluster.FrontEndAddress!, "failures", async (line, stdin) =>
        {
            if (line.StartsWith("KILL ", StringComparison.Ordinal))
            {
                var holder = await Cluster.HolderOfAsync(line["KILL ".Length..]);
                holder.Kill();
                _killed = holder;
                output.WriteLine($"killed {holder.Name}");
                await stdin.WriteLineAsync("killed");
                await stdin.FlushAsync();
            }
        });
        output.WriteLine(text);

        Assert.True(exit == 0, $"node responses.mjs failures exited {exit}:\n{text}");
        Assert.Contains("openai-node: all checks held", text, StringComparison.Ordinal);
    }

    /// <summary>Starts a background response streaming and reads it until the model's text flows (the connection drops there).</summary>
    private static async Task<(string Id, List<StreamingResponseUpdate> Read)> StreamUntilTextAsync(ResponsesClient client)
    {
        var read = await ReadAsync(client.CreateResponseStreamingAsync(
            new CreateResponseOptions(Agent, [ResponseItem.CreateUserMessageItem(ClinicRequest)]) { BackgroundModeEnabled = true, StreamingEnabled = true }),
            u => u is StreamingResponseOutputTextDeltaUpdate);
        return (((StreamingResponseCreatedUpdate)read[0]).Response.Id, read);
    }
}
