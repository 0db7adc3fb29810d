using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansAgents.Web.Infrastructure;
using OrleansAgents.Web.Responses;

namespace OrleansAgents.Web.Tests;

/// <summary>What a <c>/v1</c> answer tells the OpenAI SDKs (its retry logic, its error shape), without a cluster.</summary>
public sealed class OpenAIErrorsTests
{
    [Theory]
    [InlineData(409, "false")]
    [InlineData(500, "false")]
    [InlineData(503, "false")]
    [InlineData(200, null)]
    [InlineData(400, null)]
    [InlineData(404, null)]
    public async Task Once_a_run_was_accepted_a_409_or_5xx_answer_carries_x_should_retry_false_and_no_other_does(int status, string? expected)
    {
        var (context, start) = Context();
        OpenAIErrors.NoRetryOnceAccepted(context);
        context.Response.StatusCode = status;

        await start();

        Assert.Equal(expected, (string?)context.Response.Headers["x-should-retry"]);
    }

    [Fact]
    public async Task Before_a_run_was_accepted_a_503_carries_no_x_should_retry_so_the_SDKs_resend_it()
    {
        var (context, start) = Context();
        context.Response.StatusCode = 503;

        await start();

        Assert.False(context.Response.Headers.ContainsKey("x-should-retry"));
    }

    [Fact]
    public async Task An_unexpected_fault_on_v1_answers_500_in_the_OpenAI_error_shape_and_elsewhere_leaves_it_to_the_framework()
    {
        var problems = new ServiceCollection().AddOptions().AddProblemDetails().BuildServiceProvider().GetRequiredService<IProblemDetailsService>();
        var handler = new ProblemExceptionHandler(problems, NullLogger<ProblemExceptionHandler>.Instance);
        var v1 = new DefaultHttpContext { TraceIdentifier = "trace-1" };
        v1.Request.Path = "/v1/responses";
        v1.Response.Body = new MemoryStream();
        var api = new DefaultHttpContext();
        api.Request.Path = "/api/runs";

        var handled = await handler.TryHandleAsync(v1, new InvalidOperationException("a bug"), CancellationToken.None);
        var handledElsewhere = await handler.TryHandleAsync(api, new InvalidOperationException("a bug"), CancellationToken.None);

        Assert.True(handled);
        Assert.Equal(500, v1.Response.StatusCode);
        Assert.StartsWith("application/json", v1.Response.ContentType, StringComparison.Ordinal);
        v1.Response.Body.Position = 0;
        var error = (await System.Text.Json.JsonDocument.ParseAsync(v1.Response.Body)).RootElement.GetProperty("error");
        Assert.Equal("server_error", error.GetProperty("type").GetString());
        Assert.Equal("The server had an error while processing your request (trace trace-1).", error.GetProperty("message").GetString());
        Assert.DoesNotContain("a bug", error.GetProperty("message").GetString(), StringComparison.Ordinal); // no internals
        Assert.False(handledElsewhere);
    }

    /// <summary>A request context whose response runs its OnStarting callbacks when told to (as Kestrel does before the headers go).</summary>
    private static (HttpContext Context, Func<Task> Start) Context()
    {
        var feature = new StartingResponseFeature();
        var context = new DefaultHttpContext();
        context.Features.Set<IHttpResponseFeature>(feature);
        return (context, feature.StartAsync);
    }

    private sealed class StartingResponseFeature : HttpResponseFeature
    {
        private readonly List<(Func<object, Task> Callback, object State)> _starting = [];

        public override void OnStarting(Func<object, Task> callback, object state) => _starting.Add((callback, state));

        public async Task StartAsync()
        {
            // Kestrel runs them last registered first.
            for (var i = _starting.Count - 1; i >= 0; i--)
            {
                await _starting[i].Callback(_starting[i].State);
            }
        }
    }
}
