using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using OrleansAgents.Web.Responses;

namespace OrleansAgents.Web.Tests;

/// <summary>What a <c>/v1</c> answer tells the OpenAI SDKs' retry logic, without a cluster.</summary>
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
