using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace OrleansAgents.Agents.Chat;

/// <summary>
/// What the chat agent keeps between decisions, appended per committed step (never rebuilt from the journal):
/// each model step's arguments (the messages it added) and response, the tool results since the last model
/// step, how many steer messages the model has seen, and what the definition tracks for the run's output.
/// That is the conversation the next model call sends (<see cref="Messages"/>, parsed once per step), so it grows
/// with the conversation, not with the journal, and a model call costs a list copy, not a rebuild.
/// </summary>
internal sealed class ChatMemory : AgentMemory
{
    private const int Format = 1;

    private readonly Func<JsonObject?, CommittedStep, JsonObject?>? _track;

    private ChatMemory(
        ImmutableList<ModelTurn> turns,
        ImmutableList<ChatMessage> messages,
        ImmutableList<string> toolResults,
        int steerSeen,
        JsonObject? tracked,
        Func<JsonObject?, CommittedStep, JsonObject?>? track)
    {
        Turns = turns;
        Messages = messages;
        ToolResults = toolResults;
        SteerSeen = steerSeen;
        Tracked = tracked;
        _track = track;
    }

    /// <summary>Model steps so far: what each added to the conversation and what the model answered.</summary>
    public ImmutableList<ModelTurn> Turns { get; }

    /// <summary>The conversation so far, as the model client takes it (parsed once per step; never changed, only appended to).</summary>
    public ImmutableList<ChatMessage> Messages { get; }

    /// <summary>Results of the tool steps since the last model step, in order.</summary>
    public ImmutableList<string> ToolResults { get; }

    /// <summary>Steer messages the last model call included.</summary>
    public int SteerSeen { get; }

    /// <summary>What <see cref="ChatAgentDefinition.Track"/> keeps for the run's output.</summary>
    public JsonObject? Tracked { get; }

    public static ChatMemory New(Func<JsonObject?, CommittedStep, JsonObject?>? track) => new([], [], [], 0, null, track);

    public override AgentMemory Remember(CommittedStep step)
    {
        var tracked = _track is null ? null : _track(Tracked, step);
        if (step.Name == ChatAgent.ModelStep)
        {
            var steer = JsonNode.Parse(step.Args)?["steer"]?.GetValue<int>() ?? SteerSeen;
            return new ChatMemory(Turns.Add(new ModelTurn(step.Args, step.Result)), Messages.AddRange(Conversation.Turn(step.Args, step.Result)), [], steer, tracked, _track);
        }

        return new ChatMemory(Turns, Messages, ToolResults.Add(step.Result), SteerSeen, tracked, _track);
    }

    public override string ToJson()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("format", Format);
            w.WriteStartArray("turns");
            foreach (var turn in Turns)
            {
                w.WriteStartObject();
                w.WritePropertyName("args");
                w.WriteRawValue(turn.Args);
                w.WritePropertyName("result");
                w.WriteRawValue(turn.Result);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("toolResults");
            foreach (var result in ToolResults)
            {
                w.WriteRawValue(result);
            }

            w.WriteEndArray();
            w.WriteNumber("steerSeen", SteerSeen);
            w.WritePropertyName("tracked");
            w.WriteRawValue(Tracked?.ToJsonString() ?? "null");
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>A memory from <see cref="ToJson"/>; null when the format is not this one.</summary>
    public static ChatMemory? Read(string json, Func<JsonObject?, CommittedStep, JsonObject?>? track)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("format", out var format) || format.GetInt32() != Format)
        {
            return null;
        }

        var turns = root.GetProperty("turns").EnumerateArray()
            .Select(t => new ModelTurn(t.GetProperty("args").GetRawText(), t.GetProperty("result").GetRawText()))
            .ToImmutableList();
        var tools = root.GetProperty("toolResults").EnumerateArray().Select(r => r.GetRawText()).ToImmutableList();
        var tracked = root.GetProperty("tracked") is { ValueKind: JsonValueKind.Object } t ? JsonNode.Parse(t.GetRawText())!.AsObject() : null;
        var messages = turns.SelectMany(t => Conversation.Turn(t.Args, t.Result)).ToImmutableList();
        return new ChatMemory(turns, messages, tools, root.GetProperty("steerSeen").GetInt32(), tracked, track);
    }
}
