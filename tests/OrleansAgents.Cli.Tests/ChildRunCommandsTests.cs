using System.Text.Json;
using System.Text.RegularExpressions;

namespace OrleansAgents.Cli.Tests;

/// <summary>Child runs and durable timers through <c>oagents run get</c> and <c>run start --watch</c>.</summary>
public sealed partial class ChildRunCommandsTests(CliFixture fixture)
{
    [Fact]
    public async Task Get_shows_a_parents_children_and_a_childs_parent_as_text_and_as_json_and_watch_prints_the_child_events()
    {
        var cli = fixture.Cli();
        var parent = Json.NewRunId();
        var (first, second) = ($"{parent}::0.0", $"{parent}::0.1");

        var watch = await cli.RunAsync("run", "start", "bench", "--input", """{"steps":1,"children":2,"childSteps":2,"childStepMs":10}""", "--run-id", parent, "--watch");
        var human = await cli.RunAsync("run", "get", parent);
        var json = await cli.RunAsync("run", "get", parent, "--json");
        var childHuman = await cli.RunAsync("run", "get", second);
        var childJson = await cli.RunAsync("run", "get", second, "--json");

        Assert.True(watch.ExitCode == 0, watch.ToString());
        Assert.Contains(watch.Lines, l => l.Contains("child started", StringComparison.Ordinal) && l.Contains($"{first} (bench, step 0)", StringComparison.Ordinal));
        Assert.Contains(watch.Lines, l => l.Contains("child finished", StringComparison.Ordinal) && l.Contains($"{second} succeeded", StringComparison.Ordinal));

        Assert.True(human.ExitCode == 0, human.ToString());
        var children = human.Lines.SkipWhile(l => !l.StartsWith("children", StringComparison.Ordinal)).Take(2).ToList();
        Assert.Equal(2, children.Count);
        Assert.Matches($@"^children\s+{Regex.Escape(first)}  bench  succeeded$", children[0]);
        Assert.Matches($@"^\s*{Regex.Escape(second)}  bench  succeeded$", children[1]);
        Assert.DoesNotContain(human.Lines, l => l.StartsWith("parent", StringComparison.Ordinal));
        var run = Json.Parse(json.Stdout);
        Assert.Equal([first, second], run.GetProperty("children").EnumerateArray().Select(c => c.GetProperty("runId").GetString()));
        Assert.All(run.GetProperty("children").EnumerateArray(), c => Assert.Equal("succeeded", c.GetProperty("status").GetString()));

        Assert.True(childHuman.ExitCode == 0, childHuman.ToString());
        Assert.Contains(childHuman.Lines, l => l.StartsWith("parent", StringComparison.Ordinal) && l.EndsWith($"{parent} (step 0, depth 1)", StringComparison.Ordinal));
        Assert.DoesNotContain(childHuman.Lines, l => l.StartsWith("children", StringComparison.Ordinal));
        var child = Json.Parse(childJson.Stdout);
        Assert.Equal(parent, child.GetProperty("parent").GetProperty("runId").GetString());
        Assert.Equal(1, child.GetProperty("parent").GetProperty("depth").GetInt32());
    }

    [Fact]
    public async Task Get_on_a_sleeping_run_shows_when_it_wakes_as_text_and_as_json()
    {
        var cli = fixture.Cli();
        var id = Json.NewRunId();
        Assert.Equal(0, (await cli.RunAsync("run", "start", "bench", "--input", """{"steps":1,"sleepMs":600000}""", "--run-id", id)).ExitCode);

        JsonElement run = default;
        for (var i = 0; i < 60; i++)
        {
            run = Json.Parse((await cli.RunAsync("run", "get", id, "--json")).Stdout);
            if (run.TryGetProperty("sleepingUntil", out _))
            {
                break;
            }

            await Task.Delay(250);
        }

        var human = await cli.RunAsync("run", "get", id);
        var cancel = await cli.RunAsync("run", "cancel", id);
        var after = Json.Parse((await cli.RunAsync("run", "get", id, "--json")).Stdout);

        var until = run.GetProperty("sleepingUntil").GetDateTimeOffset().ToUniversalTime();
        Assert.True(human.ExitCode == 0, human.ToString());
        var line = Assert.Single(human.Lines, l => l.StartsWith("sleeping until", StringComparison.Ordinal));
        Assert.Contains(until.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", System.Globalization.CultureInfo.InvariantCulture), line, StringComparison.Ordinal);
        Assert.Matches(InMinutes(), line);
        Assert.True(cancel.ExitCode == 0, cancel.ToString());
        Assert.Equal("cancelled", after.GetProperty("status").GetString());
        Assert.False(after.TryGetProperty("sleepingUntil", out _));
    }

    [GeneratedRegex(@"\(in (9|10)m\)$")]
    private static partial Regex InMinutes();
}
