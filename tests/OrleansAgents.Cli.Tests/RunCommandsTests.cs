namespace OrleansAgents.Cli.Tests;

public sealed class RunCommandsTests(CliFixture fixture)
{
    [Fact]
    public async Task Start_WithARunId_PrintsTheRunAndHowToFollowIt()
    {
        var id = Json.NewRunId();

        var result = await fixture.Cli().RunAsync("run", "start", "bench", "--input", """{"steps":1,"stepMs":0}""", "--run-id", id);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"Started run {id} (bench)", result.Stdout, StringComparison.Ordinal);
        Assert.Contains($"oagents run watch {id}", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_WithJson_PrintsTheServersRunObjectOnly()
    {
        var id = Json.NewRunId();

        var result = await fixture.Cli().RunAsync("run", "start", "bench", "--input", """{"steps":1}""", "--run-id", id, "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var run = Json.Parse(Assert.Single(result.Lines));
        Assert.Equal(id, run.GetProperty("runId").GetString());
        Assert.Equal("bench", run.GetProperty("agent").GetString());
        Assert.Equal("user-1", run.GetProperty("owner").GetString());
    }

    [Fact]
    public async Task Start_WithInputFromAFile_SendsThatInput()
    {
        var cli = fixture.Cli();
        var file = Path.Combine(cli.StateDirectory, "input.json");
        await File.WriteAllTextAsync(file, """{ "steps": 2, "stepMs": 0 }""");
        var id = Json.NewRunId();

        var result = await cli.RunAsync("run", "start", "bench", "--input", "@" + file, "--run-id", id, "--watch", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var started = Json.Parse(result.Lines[1]);
        Assert.Equal("run.started", started.GetProperty("type").GetString());
        Assert.Equal(2, started.GetProperty("data").GetProperty("input").GetProperty("steps").GetInt32());
    }

    [Fact]
    public async Task StartWithWatch_FollowsEveryStepToSuccess_AndExitsZero()
    {
        var id = Json.NewRunId();

        var result = await fixture.Cli().RunAsync("run", "start", "bench", "--input", """{"steps":3,"stepMs":50}""", "--run-id", id, "--watch");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains(result.Lines, l => l.StartsWith("#1 run started", StringComparison.Ordinal) && l.Contains("bench", StringComparison.Ordinal));
        for (var step = 0; step < 3; step++)
        {
            Assert.Contains(result.Lines, l => l.Contains($"step {step} started", StringComparison.Ordinal) && l.Contains("bench.step", StringComparison.Ordinal));
            Assert.Contains(result.Lines, l => l.Contains($"step {step} completed", StringComparison.Ordinal) && l.Contains(" ms", StringComparison.Ordinal));
        }

        Assert.StartsWith("#8 run succeeded", result.Lines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartWithWatchAndJson_PrintsTheRunThenEachEventOnceOnItsOwnLine()
    {
        var id = Json.NewRunId();

        var result = await fixture.Cli().RunAsync("run", "start", "bench", "--input", """{"steps":3,"stepMs":20}""", "--run-id", id, "--watch", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(id, Json.Parse(result.Lines[0]).GetProperty("runId").GetString());
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8], Json.Seqs(result.Lines.Skip(1)));
        Assert.Equal("run.succeeded", Json.Parse(result.Lines[^1]).GetProperty("type").GetString());
    }

    [Fact]
    public async Task Get_AFinishedRun_ShowsItsStatusStepsAndResult()
    {
        var cli = fixture.Cli();
        var id = Json.NewRunId();
        await cli.RunAsync("run", "start", "bench", "--input", """{"steps":2,"stepMs":0}""", "--run-id", id, "--watch");

        var human = await cli.RunAsync("run", "get", id);
        var json = await cli.RunAsync("run", "get", id, "--json");

        Assert.True(human.ExitCode == 0, human.ToString());
        Assert.Contains(human.Lines, l => l.StartsWith("status", StringComparison.Ordinal) && l.EndsWith("succeeded", StringComparison.Ordinal));
        Assert.Contains(human.Lines, l => l.StartsWith("steps", StringComparison.Ordinal) && l.EndsWith('2'));
        Assert.Contains(human.Lines, l => l.StartsWith("result", StringComparison.Ordinal));
        var run = Json.Parse(json.Stdout);
        Assert.Equal("succeeded", run.GetProperty("status").GetString());
        Assert.Equal(2, run.GetProperty("steps").GetInt32());
    }

    [Fact]
    public async Task List_ShowsTheCallersNewestRunsInATable_AndAsTheServersPage()
    {
        var cli = fixture.Cli("dev-user-2");
        var ids = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            ids.Add(Json.NewRunId());
            Assert.Equal(0, (await cli.RunAsync("run", "start", "bench", "--input", """{"steps":1,"stepMs":0}""", "--run-id", ids[^1])).ExitCode);
        }

        var table = await cli.RunAsync("run", "list", "--agent", "bench", "--limit", "2");
        var json = await cli.RunAsync("run", "list", "--limit", "2", "--json");

        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains(table.Lines, l => l.StartsWith("ID", StringComparison.Ordinal) && l.Contains("AGENT", StringComparison.Ordinal)
            && l.Contains("STATUS", StringComparison.Ordinal) && l.Contains("STEPS", StringComparison.Ordinal) && l.Contains("AGE", StringComparison.Ordinal));
        var newest = table.Lines.First(l => l.StartsWith(ids[1], StringComparison.Ordinal));
        Assert.Contains("bench", newest, StringComparison.Ordinal);
        Assert.True(table.Lines.ToList().FindIndex(l => l.StartsWith(ids[1], StringComparison.Ordinal))
            < table.Lines.ToList().FindIndex(l => l.StartsWith(ids[0], StringComparison.Ordinal)), table.ToString());
        var items = Json.Parse(json.Stdout).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal([ids[1], ids[0]], items.Select(r => r.GetProperty("runId").GetString()));
        Assert.All(items, r => Assert.Equal("user-2", r.GetProperty("owner").GetString()));
    }

    [Fact]
    public async Task Cancel_ARunningRun_EndsItCancelled_AndWatchingItExitsOne()
    {
        var cli = fixture.Cli();
        var id = Json.NewRunId();
        await cli.RunAsync("run", "start", "bench", "--input", """{"steps":3,"stepMs":30000}""", "--run-id", id);

        var cancel = await cli.RunAsync("run", "cancel", id);
        var watch = await cli.RunAsync("run", "watch", id);

        Assert.True(cancel.ExitCode == 0, cancel.ToString());
        Assert.Contains($"Cancel requested for run {id}", cancel.Stdout, StringComparison.Ordinal);
        Assert.True(watch.ExitCode == 1, watch.ToString());
        Assert.Contains("run cancelled", watch.Lines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Approve_ABenchRunWaitingOnNothing_ExitsFiveWithTheServersReason()
    {
        var cli = fixture.Cli();
        var id = Json.NewRunId();
        await cli.RunAsync("run", "start", "bench", "--input", """{"steps":2,"stepMs":2000}""", "--run-id", id);

        var approve = await cli.RunAsync("run", "approve", id, "--comment", "ok");
        var reject = await cli.RunAsync("run", "reject", id, "--reason", "no");

        Assert.True(approve.ExitCode == 5, approve.ToString());
        Assert.Equal("", approve.Stdout);
        var message = Assert.Single(approve.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("oagents: Not possible in the run's state: ", message, StringComparison.Ordinal);
        Assert.Equal(5, reject.ExitCode);
        await cli.RunAsync("run", "cancel", id);
    }

    [Fact]
    public async Task Say_ToARunningRun_IsRecordedAsAMessageEvent()
    {
        var cli = fixture.Cli();
        var id = Json.NewRunId();
        await cli.RunAsync("run", "start", "bench", "--input", """{"steps":3,"stepMs":3000}""", "--run-id", id);

        var say = await cli.RunAsync("run", "say", id, "use the blue theme");
        var watch = await cli.RunAsync("run", "watch", id, "--json");

        Assert.True(say.ExitCode == 0, say.ToString());
        Assert.Contains($"Sent a message to run {id}", say.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, watch.ExitCode);
        var message = watch.Lines.Select(Json.Parse).Single(e => e.GetProperty("type").GetString() == "input.message");
        Assert.Equal("use the blue theme", message.GetProperty("data").GetProperty("message").GetString());
    }

    [Fact]
    public async Task StartVoiceAgentBuilderWithWatch_ShowsTheApprovalRequest_AndFinishesWhenAnotherProcessApproves()
    {
        var cli = fixture.Cli();
        var id = Json.NewRunId();
        await using var watch = cli.Start("run", "start", "voice-agent-builder", "--run-id", id, "--watch",
            "--input", """{"request":"A receptionist for the clinic.","documents":["clinic-faq.md","escalation-contacts.md"]}""");
        await watch.WaitForLineAsync(l => l.Contains("input requested", StringComparison.Ordinal), TimeSpan.FromSeconds(90));

        var approve = await cli.RunAsync("run", "approve", id, "--comment", "ship it");
        var result = await watch.WaitAsync(TimeSpan.FromSeconds(90));

        Assert.True(approve.ExitCode == 0, approve.ToString());
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains(result.Lines, l => l.Contains("approval for publish_configuration", StringComparison.Ordinal));
        Assert.Contains(result.Lines, l => l.Contains("input approved", StringComparison.Ordinal) && l.Contains("ship it", StringComparison.Ordinal));
        Assert.Contains(result.Lines, l => l.Contains("tool:validate_configuration", StringComparison.Ordinal));
        Assert.Contains("run succeeded", result.Lines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_approval_that_names_its_question_is_refused_with_exit_code_5_for_any_other_and_applied_for_its_own()
    {
        var cli = fixture.Cli();
        var id = Json.NewRunId();
        await using var watch = cli.Start("run", "start", "voice-agent-builder", "--run-id", id, "--watch",
            "--input", """{"request":"A receptionist for the clinic.","documents":["clinic-faq.md","escalation-contacts.md"]}""");
        await watch.WaitForLineAsync(l => l.Contains("answer: oagents run approve", StringComparison.Ordinal), TimeSpan.FromSeconds(90));
        var get = await cli.RunAsync("run", "get", id, "--json");
        var asked = Json.Parse(get.Stdout).GetProperty("waitingFor").GetProperty("seq").GetInt64();

        // A question the run does not ask (here: the seq before it), as when another person answered it and the run
        // asked again: refused, and the run still waits on its own question.
        var stale = await cli.RunAsync("run", "approve", id, "--question", (asked - 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        var stillWaiting = Json.Parse((await cli.RunAsync("run", "get", id, "--json")).Stdout);
        var invalid = await cli.RunAsync("run", "reject", id, "--question", "0");
        var approve = await cli.RunAsync("run", "approve", id, "--question", asked.ToString(System.Globalization.CultureInfo.InvariantCulture), "--comment", "ship it");
        var result = await watch.WaitAsync(TimeSpan.FromSeconds(90));

        Assert.True(stale.ExitCode == 5, stale.ToString());
        Assert.Contains($"has no open question asked at seq {asked - 1}: the one open now was asked at seq {asked}", stale.Stderr, StringComparison.Ordinal);
        Assert.Equal("waitingForInput", stillWaiting.GetProperty("status").GetString());
        Assert.True(invalid.ExitCode == 2, invalid.ToString());
        Assert.Contains("--question must be the seq", invalid.Stderr, StringComparison.Ordinal);
        Assert.True(approve.ExitCode == 0, approve.ToString());
        Assert.Contains(result.Lines, l => l.Contains($"answer: oagents run approve {id} --question {asked}", StringComparison.Ordinal));
        Assert.Contains(result.Lines, l => l.Contains("input approved", StringComparison.Ordinal) && l.Contains("ship it", StringComparison.Ordinal));
        Assert.Contains("run succeeded", result.Lines[^1], StringComparison.Ordinal);
    }
}
