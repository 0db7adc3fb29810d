using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace OrleansAgents.Runtime.Tests;

/// <summary>
/// An OpenAI-compatible chat completions endpoint on loopback, answering from a script the test sets:
/// streamed text and tool calls, error statuses, or a response that never comes. It keeps every request
/// body the product sent.
/// </summary>
public sealed class FakeOpenAIServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Func<HttpContext, Task>> _script = new();
    private readonly List<JsonObject> _requests = [];
    private TaskCompletionSource _requestArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private FakeOpenAIServer(WebApplication app) => _app = app;

    /// <summary>Base URL to configure as the model endpoint, e.g. <c>http://127.0.0.1:41234/v1</c>.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>When a hanging response saw its client go away.</summary>
    public TaskCompletionSource<DateTimeOffset> Aborted { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string? LastAuthorization { get; private set; }

    public IReadOnlyList<JsonObject> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    public Task RequestArrived => _requestArrived.Task;

    public static async Task<FakeOpenAIServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new FakeOpenAIServer(app);
        app.MapPost("/v1/chat/completions", server.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseAddress = new Uri(address.TrimEnd('/') + "/v1");
        return server;
    }

    /// <summary>Forgets earlier requests and script.</summary>
    public void Reset()
    {
        _script.Clear();
        lock (_requests)
        {
            _requests.Clear();
        }

        _requestArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
        Aborted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public void Enqueue(params Func<HttpContext, Task>[] responses)
    {
        foreach (var response in responses)
        {
            _script.Enqueue(response);
        }
    }

    /// <summary>A streamed answer: text in pieces, then tool calls, then usage.</summary>
    public static Func<HttpContext, Task> Stream(string text, params (string Id, string Name, string Arguments)[] calls) => async context =>
    {
        context.Response.ContentType = "text/event-stream";
        foreach (var piece in text.Split(' ').Select((w, i) => i == 0 ? w : " " + w))
        {
            await ChunkAsync(context, Choice(new JsonObject { ["role"] = "assistant", ["content"] = piece }, null));
        }

        for (var i = 0; i < calls.Length; i++)
        {
            var call = new JsonObject
            {
                ["index"] = i,
                ["id"] = calls[i].Id,
                ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = calls[i].Name, ["arguments"] = calls[i].Arguments },
            };
            await ChunkAsync(context, Choice(new JsonObject { ["tool_calls"] = new JsonArray(call) }, null));
        }

        await ChunkAsync(context, Choice(new JsonObject(), calls.Length > 0 ? "tool_calls" : "stop"));
        var usage = Envelope();
        usage["choices"] = new JsonArray();
        usage["usage"] = new JsonObject { ["prompt_tokens"] = 100, ["completion_tokens"] = 20, ["total_tokens"] = 120 };
        await ChunkAsync(context, usage);
        await context.Response.WriteAsync("data: [DONE]\n\n");
    };

    /// <summary>An error status with an OpenAI-style error body.</summary>
    public static Func<HttpContext, Task> Status(int status) => async context =>
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        var error = new JsonObject { ["error"] = new JsonObject { ["message"] = $"scripted {status}", ["type"] = "server_error" } };
        await context.Response.WriteAsync(error.ToJsonString());
    };

    /// <summary>Never answers; records when the client closes the request.</summary>
    public Func<HttpContext, Task> Hang() => async context =>
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(60), context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            Aborted.TrySetResult(DateTimeOffset.UtcNow);
        }
    };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var body = await JsonNode.ParseAsync(context.Request.Body) as JsonObject ?? [];
        LastAuthorization = context.Request.Headers.Authorization.ToString();
        lock (_requests)
        {
            _requests.Add(body);
        }

        _requestArrived.TrySetResult();
        if (!_script.TryDequeue(out var respond))
        {
            await Status(500)(context);
            return;
        }

        await respond(context);
    }

    private static JsonObject Envelope() => new()
    {
        ["id"] = "chatcmpl-test",
        ["object"] = "chat.completion.chunk",
        ["created"] = 1_700_000_000,
        ["model"] = "test-model",
    };

    private static JsonObject Choice(JsonObject delta, string? finishReason)
    {
        var chunk = Envelope();
        chunk["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finishReason });
        return chunk;
    }

    private static async Task ChunkAsync(HttpContext context, JsonObject chunk)
    {
        await context.Response.WriteAsync($"data: {chunk.ToJsonString()}\n\n");
        await context.Response.Body.FlushAsync();
    }
}
