using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace OrleansAgents.Models.Offline;

/// <summary>
/// The built-in model: plans, calls tools with sensible arguments, reacts to their results and writes a
/// final answer, following the playbook of the agent it serves. Streams its text in pieces over
/// <c>latency</c>, reports token usage, and is deterministic for a given conversation. No network. With a
/// <c>cancellationLog</c> (<see cref="ModelOptions.OfflineCancellationLog"/>) it notes when a call's token fired.
/// </summary>
public sealed class OfflineChatClient(IEnumerable<IOfflinePlaybook> playbooks, TimeSpan latency, TimeProvider time, string? cancellationLog = null) : IChatClient
{
    public const string ModelId = "orleans-agents-offline-1";

    private static readonly Lock LogLock = new();

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in GetStreamingResponseAsync(messages, options, cancellationToken))
        {
            updates.Add(update);
        }

        return updates.ToChatResponse();
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var history = messages.ToList();
        var tools = options?.Tools?.Select(t => t.Name).ToList() ?? [];
        var playbook = playbooks.FirstOrDefault(p => p.Handles(tools));
        var conversation = OfflineConversation.Read(history);
        var turn = playbook?.Next(conversation)
            ?? OfflineTurn.Answer($"(offline model) You asked: \"{conversation.Request}\". I have no tools for this, so here is a direct answer: I would need a configured model endpoint to do more.");

        var responseId = $"offline-{history.Count}";
        using var observed = cancellationLog is null
            ? default
            : cancellationToken.Register(() => NoteCancellation(cancellationLog, time.GetUtcNow(), $"{responseId} {conversation.Request}"));
        var chunks = Chunk(turn.Text);
        var pause = chunks.Count == 0 ? latency : latency / (chunks.Count + 1);
        foreach (var chunk in chunks)
        {
            await Task.Delay(pause, time, cancellationToken);
            yield return new ChatResponseUpdate(ChatRole.Assistant, chunk) { ResponseId = responseId, ModelId = ModelId };
        }

        await Task.Delay(pause, time, cancellationToken);
        var contents = new List<AIContent>();
        for (var i = 0; i < turn.Calls.Count; i++)
        {
            var call = turn.Calls[i];
            var arguments = call.Arguments.ToDictionary(p => p.Key, p => (object?)JsonSerializer.SerializeToElement(p.Value));
            contents.Add(new FunctionCallContent($"call_{history.Count}_{i}", call.Name, arguments));
        }

        var input = history.Sum(m => Tokens(m.Text) + m.Contents.OfType<FunctionResultContent>().Sum(r => Tokens(r.Result?.ToString())));
        var output = Tokens(turn.Text) + turn.Calls.Sum(c => Tokens(c.Arguments.ToJsonString()));
        contents.Add(new UsageContent(new UsageDetails { InputTokenCount = input, OutputTokenCount = output, TotalTokenCount = input + output }));
        yield return new ChatResponseUpdate(ChatRole.Assistant, contents)
        {
            ResponseId = responseId,
            ModelId = ModelId,
            FinishReason = turn.Calls.Count > 0 ? ChatFinishReason.ToolCalls : ChatFinishReason.Stop,
        };
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }

    /// <summary>Appends "time pid call" off the canceller's thread (the time is when the token fired).</summary>
    private static void NoteCancellation(string path, DateTimeOffset at, string call) =>
        ThreadPool.QueueUserWorkItem(_ =>
        {
            try
            {
                lock (LogLock)
                {
                    File.AppendAllText(path, FormattableString.Invariant($"{at:O} {Environment.ProcessId} {call.ReplaceLineEndings(" ")}\n"));
                }
            }
            catch (IOException)
            {
                // a note for drills and tests, never the call's concern
            }
        });

    /// <summary>About four characters per token, like common tokenizers on English text.</summary>
    private static int Tokens(string? text) => string.IsNullOrEmpty(text) ? 0 : Math.Max(1, text.Length / 4);

    /// <summary>Pieces of a few words each, as a streaming model sends them.</summary>
    private static List<string> Chunk(string text)
    {
        var chunks = new List<string>();
        var words = text.Split(' ');
        for (var i = 0; i < words.Length; i += 4)
        {
            var piece = string.Join(' ', words.Skip(i).Take(4));
            chunks.Add(i + 4 < words.Length ? piece + " " : piece);
        }

        return chunks.Where(c => c.Length > 0).ToList();
    }
}
