using System.Diagnostics;
using OrleansAgents.Testing;

namespace OrleansAgents.Web.Tests;

/// <summary>
/// The Responses-compatible API through the official <c>openai</c> npm package, run with Node against the real
/// cluster (<c>openai-node/responses.mjs</c>: every check there is an assertion). Node packages come from the
/// lock file (<c>npm ci</c>, done here when CI has not).
/// </summary>
public sealed class NodeSdkTests(FrontEndFixture fixture, ITestOutputHelper output)
{
    private static readonly string Directory = Path.Combine(SiloProcess.RepositoryRoot(), "tests", "OrleansAgents.Web.Tests", "openai-node");

    [Fact]
    public async Task The_openai_npm_package_starts_streams_drops_resumes_replays_approves_and_cancels_background_responses_exactly()
    {
        if (!System.IO.Directory.Exists(Path.Combine(Directory, "node_modules", "openai")))
        {
            var (installed, log) = await RunAsync("npm", ["ci", "--no-audit", "--no-fund"], TimeSpan.FromMinutes(5));
            Assert.True(installed == 0, $"npm ci failed:\n{log}");
        }

        var (exit, text) = await RunAsync("node", ["responses.mjs"], TimeSpan.FromMinutes(4),
            ("OA_BASE_URL", fixture.BaseAddress.ToString().TrimEnd('/')), ("OA_KEY", "dev-user-1"));
        output.WriteLine(text);

        Assert.True(exit == 0, $"node responses.mjs exited {exit}:\n{text}");
        Assert.Contains("openai-node: all checks held", text, StringComparison.Ordinal);
    }

    private static async Task<(int Exit, string Output)> RunAsync(string file, string[] arguments, TimeSpan timeout, params (string Name, string Value)[] environment)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = Directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true); // bounded: never left running
            await process.WaitForExitAsync();
            return (-1, $"timed out after {timeout}\n{await stdout}\n{await stderr}");
        }

        return (process.ExitCode, $"{await stdout}\n{await stderr}");
    }
}
