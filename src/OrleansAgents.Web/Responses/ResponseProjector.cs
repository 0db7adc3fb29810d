using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OrleansAgents.Runs;

namespace OrleansAgents.Web.Responses;

/// <summary>
/// A response as the OpenAI Responses API shows it, folded from its stretch of the run's journal: the stream's
/// events, numbered from 0, and the Response object. Pure and deterministic: the same journal gives the same
/// events with the same numbers every time, whatever died in between, so a stream read again from its start
/// (as the SDKs' stream helpers do) or resumed after any number is exact.
/// </summary>
/// <remarks>
/// Model text comes from the journal's drafts (<c>step.delta</c>) and the step's committed text; an attempt
/// cut off (a retry, a resume) closes its message <c>incomplete</c> and the next streams a new one. The Response
/// object (and the <c>response</c> of the final stream event) shows an incomplete message with no content, so the
/// SDKs' <c>output_text</c> is the committed text; its stream events keep what it streamed. Tools the
/// agent ran are <c>mcp_call</c> items (the server ran them; clients do not); a question to a person ends the
/// response <c>completed</c> with an <c>mcp_approval_request</c> item.
/// </remarks>
public sealed class ResponseProjector
{
    public const string ServerLabel = "orleans-agents";

    private readonly ResponseHeader _header;
    private readonly JsonArray _output = [];
    private readonly List<ResponseStreamEvent> _new = [];
    private readonly Dictionary<int, int> _messagesPerStep = [];
    private readonly Dictionary<int, string> _toolArguments = [];
    private OpenMessage? _open;
    private int _next;
    private long _inputTokens;
    private long _outputTokens;
    private bool _sawUsage;
    private JsonObject? _error;
    private DateTimeOffset? _completedAt;

    public ResponseProjector(ResponseHeader header)
    {
        _header = header;
        Status = "queued";
        Emit("response.created", new JsonObject { ["response"] = Response() });
        Emit("response.queued", new JsonObject { ["response"] = Response() });
        Status = "in_progress";
        Emit("response.in_progress", new JsonObject { ["response"] = Response() });
    }

    /// <summary><c>queued</c>, <c>in_progress</c>, <c>completed</c>, <c>failed</c> or <c>cancelled</c>.</summary>
    public string Status { get; private set; }

    /// <summary>Whether the response's stretch of the journal has ended (a question, or the run's end).</summary>
    public bool Ended { get; private set; }

    /// <summary>Whether it ended asking a person (an <c>mcp_approval_request</c>), not with the run.</summary>
    public bool EndedWithQuestion { get; private set; }

    /// <summary>The seq of the last run event applied.</summary>
    public long LastSeq { get; private set; }

    /// <summary>The stream's events so far.</summary>
    public IReadOnlyList<ResponseStreamEvent> Events => _new;

    /// <summary>Folds one run event (in seq order; those before the response's start only inform it).</summary>
    public void Apply(RunEvent e)
    {
        if (Ended || e.Seq <= LastSeq)
        {
            return;
        }

        LastSeq = e.Seq;
        using var doc = JsonDocument.Parse(e.Data);
        var data = doc.RootElement;
        if (e.Seq <= _header.AfterSeq)
        {
            // Before the response: only what its first tool call needs (the arguments a person was asked about).
            if (e.Type == RunEventTypes.InputRequested && Int(data, "step") is { } asked)
            {
                _toolArguments[asked] = JsonText(data, "arguments");
            }

            return;
        }

        switch (e.Type)
        {
            case RunEventTypes.StepStarted when Str(data, "name") is { } name && name.StartsWith("tool:", StringComparison.Ordinal):
                CloseOpen("incomplete");
                if (data.TryGetProperty("args", out var args) && Int(data, "step") is { } step)
                {
                    _toolArguments[step] = JsonText(args, "arguments");
                }

                break;
            case RunEventTypes.StepDelta:
                Delta(Int(data, "step") ?? -1, Str(data, "text") ?? "");
                break;
            case RunEventTypes.StepCompleted:
                StepCompleted(data);
                break;
            case RunEventTypes.InputRequested:
                CloseOpen("incomplete");
                ApprovalRequest(e.Seq, data);
                EndedWithQuestion = true;
                Finish("completed", e.At);
                break;
            case RunEventTypes.RunSucceeded:
                CloseOpen("incomplete");
                if (!_output.Any(i => (string?)i?["type"] == "message") && data.TryGetProperty("output", out var output) && output.ValueKind != JsonValueKind.Null)
                {
                    var text = output.ValueKind == JsonValueKind.String ? output.GetString()! : output.GetRawText();
                    Delta(-1, text);
                    CloseOpen("completed");
                }

                ReadTotalUsage(data);
                Finish("completed", e.At);
                break;
            case RunEventTypes.RunFailed:
                CloseOpen("incomplete");
                _error = new JsonObject { ["code"] = "server_error", ["message"] = Str(data, "error") ?? "The run failed." };
                ReadTotalUsage(data);
                Finish("failed", e.At);
                break;
            case RunEventTypes.RunCancelled:
                CloseOpen("incomplete");
                ReadTotalUsage(data);
                Finish("cancelled", e.At);
                break;
            default:
                if (RunEventTypes.EndsDraft(e.Type))
                {
                    CloseOpen("incomplete"); // a retry, a resume, an answer: the attempt's text ends here
                }

                break;
        }
    }

    /// <summary>The Response object as it stands.</summary>
    public JsonObject Response()
    {
        var response = new JsonObject
        {
            ["id"] = _header.Id,
            ["object"] = "response",
            ["created_at"] = _header.CreatedAt.ToUnixTimeSeconds(),
            ["status"] = Status,
            ["background"] = _header.Background,
            ["error"] = _error?.DeepClone(),
            ["incomplete_details"] = null,
            ["instructions"] = null,
            ["max_output_tokens"] = null,
            ["metadata"] = _header.Metadata.DeepClone(),
            ["model"] = _header.Model,
            ["output"] = _output.DeepClone(),
            ["parallel_tool_calls"] = true,
            ["previous_response_id"] = _header.PreviousResponseId,
            ["store"] = true,
            ["temperature"] = 1.0,
            ["text"] = new JsonObject { ["format"] = new JsonObject { ["type"] = "text" } },
            ["tool_choice"] = "auto",
            ["tools"] = new JsonArray(),
            ["top_p"] = 1.0,
            ["truncation"] = "disabled",
            ["usage"] = Ended ? Usage() : null,
        };
        if (_completedAt is { } at && Status == "completed")
        {
            response["completed_at"] = at.ToUnixTimeSeconds();
        }

        return response;
    }

    private JsonObject Usage() => new()
    {
        ["input_tokens"] = _inputTokens,
        ["input_tokens_details"] = new JsonObject { ["cached_tokens"] = 0 },
        ["output_tokens"] = _outputTokens,
        ["output_tokens_details"] = new JsonObject { ["reasoning_tokens"] = 0 },
        ["total_tokens"] = _inputTokens + _outputTokens,
    };

    private void Delta(int step, string text)
    {
        if (text.Length == 0)
        {
            return;
        }

        if (_open is { } open && open.Step != step)
        {
            CloseOpen("incomplete");
        }

        if (_open is null)
        {
            var k = _messagesPerStep.GetValueOrDefault(step);
            _messagesPerStep[step] = k + 1;
            var id = step < 0 ? "msg_output" : $"msg_{step}_{k}";
            _open = new OpenMessage(step, id, _output.Count);
            _output.Add(Message(id, "in_progress", null));
            Emit("response.output_item.added", new JsonObject { ["output_index"] = _open.Index, ["item"] = Message(id, "in_progress", null) });
            Emit("response.content_part.added", new JsonObject
            {
                ["item_id"] = id, ["output_index"] = _open.Index, ["content_index"] = 0, ["part"] = Part(""),
            });
        }

        _open.Text.Append(text);
        _output[_open.Index] = Message(_open.Id, "in_progress", _open.Text.ToString());
        Emit("response.output_text.delta", new JsonObject
        {
            ["item_id"] = _open.Id, ["output_index"] = _open.Index, ["content_index"] = 0, ["delta"] = text, ["logprobs"] = new JsonArray(),
        });
    }

    private void CloseOpen(string status)
    {
        if (_open is not { } open)
        {
            return;
        }

        _open = null;
        var text = open.Text.ToString();
        Emit("response.output_text.done", new JsonObject
        {
            ["item_id"] = open.Id, ["output_index"] = open.Index, ["content_index"] = 0, ["text"] = text, ["logprobs"] = new JsonArray(),
        });
        Emit("response.content_part.done", new JsonObject
        {
            ["item_id"] = open.Id, ["output_index"] = open.Index, ["content_index"] = 0, ["part"] = Part(text),
        });
        // The Response object keeps a cut attempt's item but not its text: the SDKs' output_text joins every
        // message's text, and the next attempt streams the whole text again. Its stream events keep the text.
        _output[open.Index] = Message(open.Id, status, status == "incomplete" ? null : text);
        Emit("response.output_item.done", new JsonObject { ["output_index"] = open.Index, ["item"] = Message(open.Id, status, text) });
    }

    private void StepCompleted(JsonElement data)
    {
        var step = Int(data, "step") ?? -1;
        var name = Str(data, "name") ?? "";
        if (data.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
        {
            _inputTokens += Long(usage, "inputTokens");
            _outputTokens += Long(usage, "outputTokens");
            _sawUsage = true;
        }

        data.TryGetProperty("result", out var result);
        if (name == "model")
        {
            var text = result.ValueKind == JsonValueKind.Object ? Str(result, "text") ?? "" : "";
            if (_open is { } open && open.Step == step && text.StartsWith(open.Text.ToString(), StringComparison.Ordinal))
            {
                Delta(step, text[open.Text.Length..]); // the rest of the text, after the last draft
            }
            else
            {
                CloseOpen("incomplete");
                Delta(step, text);
            }

            CloseOpen("completed");
            return;
        }

        CloseOpen("incomplete");
        if (name.StartsWith("tool:", StringComparison.Ordinal) && result.ValueKind == JsonValueKind.Object)
        {
            var tool = Str(result, "tool") ?? name["tool:".Length..];
            string? error = null;
            string? output = null;
            if (result.TryGetProperty("rejected", out var rejected) && rejected.ValueKind == JsonValueKind.True)
            {
                error = $"Rejected: {Str(result, "reason") ?? "by a person"}";
            }
            else if (result.TryGetProperty("error", out var failed))
            {
                error = failed.ValueKind == JsonValueKind.String ? failed.GetString() : failed.GetRawText();
            }
            else
            {
                // A step the run did itself (delegate_tasks: {"children": [...]}) has no "output": its whole result is.
                output = result.TryGetProperty("output", out var o) ? (o.ValueKind == JsonValueKind.String ? o.GetString() : o.GetRawText()) : result.GetRawText();
            }

            var arguments = _toolArguments.GetValueOrDefault(step, "{}");
            var id = $"mcp_{step}";
            var index = _output.Count;
            _output.Add(McpCall(id, tool, arguments, null, null, "in_progress"));
            Emit("response.output_item.added", new JsonObject { ["output_index"] = index, ["item"] = McpCall(id, tool, arguments, null, null, "in_progress") });
            var status = error is null ? "completed" : "failed";
            _output[index] = McpCall(id, tool, arguments, output, error, status);
            Emit("response.output_item.done", new JsonObject { ["output_index"] = index, ["item"] = McpCall(id, tool, arguments, output, error, status) });
        }
    }

    private void ApprovalRequest(long seq, JsonElement data)
    {
        var item = new JsonObject
        {
            ["id"] = ResponseIds.ApprovalRequest(seq),
            ["type"] = "mcp_approval_request",
            ["server_label"] = ServerLabel,
            ["name"] = Str(data, "tool") ?? "",
            ["arguments"] = JsonText(data, "arguments"),
        };
        var index = _output.Count;
        _output.Add(item.DeepClone());
        Emit("response.output_item.added", new JsonObject { ["output_index"] = index, ["item"] = item.DeepClone() });
        Emit("response.output_item.done", new JsonObject { ["output_index"] = index, ["item"] = item });
    }

    private void ReadTotalUsage(JsonElement data)
    {
        // A run's terminal event carries the run's total: a response from the start with no step usage seen
        // (the run ended before any model step) takes it, never twice.
        if (!_sawUsage && _header.AfterSeq == 0 && data.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
        {
            _inputTokens = Long(usage, "inputTokens");
            _outputTokens = Long(usage, "outputTokens");
        }
    }

    private void Finish(string status, DateTimeOffset at)
    {
        Status = status;
        Ended = true;
        _completedAt = at;
        var type = status switch
        {
            "completed" => "response.completed",
            "failed" => "response.failed",
            _ => "response.cancelled",
        };
        Emit(type, new JsonObject { ["response"] = Response() });
    }

    private void Emit(string type, JsonObject body)
    {
        var json = new JsonObject { ["type"] = type };
        foreach (var (key, value) in body.ToList())
        {
            body.Remove(key);
            json[key] = value;
        }

        json["sequence_number"] = _next;
        _new.Add(new ResponseStreamEvent(_next++, type, json));
    }

    private static JsonObject Message(string id, string status, string? text) => new()
    {
        ["id"] = id,
        ["type"] = "message",
        ["status"] = status,
        ["role"] = "assistant",
        ["content"] = text is null ? new JsonArray() : new JsonArray(Part(text)),
    };

    private static JsonObject Part(string text) => new()
    {
        ["type"] = "output_text", ["text"] = text, ["annotations"] = new JsonArray(), ["logprobs"] = new JsonArray(),
    };

    private static JsonObject McpCall(string id, string tool, string arguments, string? output, string? error, string status) => new()
    {
        ["id"] = id,
        ["type"] = "mcp_call",
        ["server_label"] = ServerLabel,
        ["name"] = tool,
        ["arguments"] = arguments,
        ["output"] = output,
        ["error"] = error,
        ["status"] = status,
    };

    private static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static int? Int(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : null;

    private static long Long(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : 0;

    /// <summary>A JSON value as the text an <c>arguments</c> field holds (a string stays itself; absent: <c>{}</c>).</summary>
    private static string JsonText(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v)
            ? v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText()
            : "{}";

    private sealed class OpenMessage(int step, string id, int index)
    {
        public int Step { get; } = step;

        public string Id { get; } = id;

        public int Index { get; } = index;

        public StringBuilder Text { get; } = new();
    }
}
