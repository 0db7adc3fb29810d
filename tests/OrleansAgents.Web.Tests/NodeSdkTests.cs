namespace OrleansAgents.Web.Tests;

/// <summary>
/// The Responses-compatible API through the official <c>openai</c> npm package, run with Node against the real
/// cluster (<c>openai-node/responses.mjs</c>: every check there is an assertion).
/// </summary>
public sealed class NodeSdkTests(FrontEndFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task The_openai_npm_package_starts_streams_drops_resumes_replays_approves_and_cancels_background_responses_exactly()
    {
        var (exit, text) = await NodeScript.RunAsync(fixture.BaseAddress, "all");
        output.WriteLine(text);

        Assert.True(exit == 0, $"node responses.mjs exited {exit}:\n{text}");
        Assert.Contains("openai-node: all checks held", text, StringComparison.Ordinal);
    }
}
