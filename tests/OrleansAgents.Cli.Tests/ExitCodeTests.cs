namespace OrleansAgents.Cli.Tests;

public sealed class ExitCodeTests(CliFixture fixture)
{
    private static string OneLine(CliResult result) => Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));

    [Fact]
    public async Task Get_AnUnknownRun_ExitsThreeWithTheProblemDetail()
    {
        var result = await fixture.Cli().RunAsync("run", "get", "no-such-run");

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Equal("oagents: Run not found: Run 'no-such-run' does not exist.", OneLine(result));
    }

    [Fact]
    public async Task Watch_AnotherOwnersRun_ExitsThree()
    {
        var id = Json.NewRunId();
        Assert.Equal(0, (await fixture.Cli("dev-user-1").RunAsync("run", "start", "bench", "--input", """{"steps":1}""", "--run-id", id)).ExitCode);

        var result = await fixture.Cli("dev-user-2").RunAsync("run", "watch", id);

        Assert.True(result.ExitCode == 3, result.ToString());
    }

    [Fact]
    public async Task Start_WithInputThatIsNotJson_ExitsTwoBeforeCallingTheServer()
    {
        var result = await new Oagents(new Uri("http://127.0.0.1:1"), "dev-user-1", Oagents.NewStateDirectory())
            .RunAsync("run", "start", "bench", "--input", "{steps:3");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.StartsWith("oagents: --input is not valid JSON", OneLine(result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_WithAnUnreadableInputFile_ExitsTwo()
    {
        var result = await fixture.Cli().RunAsync("run", "start", "bench", "--input", "@/no/such/input.json");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.StartsWith("oagents: cannot read the input file '/no/such/input.json'", OneLine(result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_AnInvalidRunId_ExitsTwoWithTheServersReason()
    {
        var result = await fixture.Cli().RunAsync("run", "start", "bench", "--run-id", "bad id!");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.StartsWith("oagents: Invalid run ID: ", OneLine(result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_TheSameRunIdWithDifferentInput_ExitsFive()
    {
        var cli = fixture.Cli();
        var id = Json.NewRunId();
        Assert.Equal(0, (await cli.RunAsync("run", "start", "bench", "--input", """{"steps":1}""", "--run-id", id)).ExitCode);

        var result = await cli.RunAsync("run", "start", "bench", "--input", """{"steps":2}""", "--run-id", id);

        Assert.True(result.ExitCode == 5, result.ToString());
    }

    [Fact]
    public async Task AnyCommand_WithoutAnApiKey_ExitsTwoAndSaysHowToPassOne()
    {
        var result = await fixture.Cli(apiKey: null).RunAsync("run", "list");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Equal("oagents: no API key: pass --api-key or set OAGENTS_API_KEY.", OneLine(result));
    }

    [Fact]
    public async Task AnyCommand_WithAWrongApiKey_ExitsFour()
    {
        var list = await fixture.Cli("not-a-key").RunAsync("run", "list");
        var watch = await fixture.Cli().RunAsync("run", "watch", "some-run", "--api-key", "not-a-key");

        Assert.True(list.ExitCode == 4, list.ToString());
        Assert.StartsWith("oagents: Unauthorized: ", OneLine(list), StringComparison.Ordinal);
        Assert.True(watch.ExitCode == 4, watch.ToString());
    }

    [Fact]
    public async Task AnyCommand_WhenTheServerIsUnreachable_ExitsSix()
    {
        var result = await new Oagents(new Uri("http://127.0.0.1:1"), "dev-user-1", Oagents.NewStateDirectory()).RunAsync("run", "get", "x");

        Assert.True(result.ExitCode == 6, result.ToString());
        Assert.StartsWith("oagents: cannot reach http://127.0.0.1:1/", OneLine(result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownOptionsAndMissingArguments_ExitTwo()
    {
        var unknown = await fixture.Cli().RunAsync("run", "list", "--bogus");
        var missing = await fixture.Cli().RunAsync("run", "get");

        Assert.True(unknown.ExitCode == 2, unknown.ToString());
        Assert.True(missing.ExitCode == 2, missing.ToString());
    }

    [Fact]
    public async Task Help_DocumentsTheExitCodes()
    {
        var result = await fixture.Cli().RunAsync("--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Exit codes:", result.Stdout, StringComparison.Ordinal);
        foreach (var code in new[] { "0 ", "1 ", "2 ", "3 ", "4 ", "5 ", "6 ", "130 " })
        {
            Assert.Contains(result.Lines, l => l.StartsWith(code, StringComparison.Ordinal));
        }
    }
}
