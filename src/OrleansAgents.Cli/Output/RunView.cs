using System.Globalization;
using System.Text.Json;
using Spectre.Console;

namespace OrleansAgents.Cli.Output;

/// <summary>Human output for runs: one run's details and the list table.</summary>
public static class RunView
{
    public static bool IsTerminal(string? status) => status is "succeeded" or "failed" or "cancelled";

    public static string Status(string? status) => status switch
    {
        "succeeded" => "[green]succeeded[/]",
        "failed" => "[red]failed[/]",
        "cancelled" => "[grey]cancelled[/]",
        "waitingForInput" => "[yellow]waitingForInput[/]",
        "running" => "[blue]running[/]",
        null => "?",
        _ => Markup.Escape(status),
    };

    public static void Details(IAnsiConsole console, JsonElement run) => Details(console, run, DateTimeOffset.UtcNow);

    /// <summary>One run: its facts, the run that started it, the child runs it started, and a sleep's end.</summary>
    public static void Details(IAnsiConsole console, JsonElement run, DateTimeOffset now)
    {
        var grid = new Grid().AddColumn(new GridColumn().NoWrap().PadRight(2)).AddColumn();
        void Row(string name, string? markup)
        {
            if (!string.IsNullOrEmpty(markup))
            {
                grid.AddRow(new Markup($"[grey]{name}[/]"), new Markup(markup));
            }
        }

        Row("run", Markup.Escape(run.Text("runId") ?? ""));
        Row("agent", Markup.Escape(run.Text("agent") ?? ""));
        Row("owner", Markup.Escape(run.Text("owner") ?? ""));
        Row("status", Status(run.Text("status")));
        if (run.Property("parent") is { ValueKind: JsonValueKind.Object } parent)
        {
            Row("parent", Markup.Escape(
                $"{parent.Text("runId")} (step {parent.Number("step")?.ToString(CultureInfo.InvariantCulture)}, depth {parent.Number("depth")?.ToString(CultureInfo.InvariantCulture)})"));
        }

        if (run.Property("sleepingUntil") is { } sleeping
            && DateTimeOffset.TryParse(sleeping.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.None, out var until))
        {
            Row("sleeping until", $"[yellow]{Markup.Escape(Timestamp(sleeping.GetString()))}[/] [grey](in {JsonText.Age(until - now)})[/]");
        }

        Row("steps", run.Number("steps")?.ToString(CultureInfo.InvariantCulture));
        Row("last event", run.Number("lastSeq") is { } seq ? $"#{seq.ToString(CultureInfo.InvariantCulture)}" : null);
        Row("created", Markup.Escape(Timestamp(run.Text("createdAt"))));
        Row("updated", Markup.Escape(Timestamp(run.Text("updatedAt"))));
        Row("tokens", Markup.Escape(JsonText.Tokens(run.Property("usage"))));
        if (run.Property("waitingFor") is { } waiting)
        {
            // The question's seq, which an answer names (--question) so it cannot land on a later question.
            var asked = waiting.Number("seq") is { } askedAt ? $" (question #{askedAt.ToString(CultureInfo.InvariantCulture)})" : "";
            Row("waiting for", Markup.Escape(
                $"{waiting.Text("kind")} of {waiting.Text("tool")} {JsonText.Compact(waiting.Property("arguments"))} {waiting.Text("question")}".Trim() + asked));
        }

        Row("agent version", Markup.Escape(run.Text("agentVersion") ?? ""));
        if (run.Property("waitingForVersion") is { ValueKind: JsonValueKind.Object } version)
        {
            Row("waiting for", $"[yellow]{Markup.Escape($"a silo with agent version {version.Text("version")} (fails at {Timestamp(version.Text("until"))})")}[/]");
        }

        Row("result", Markup.Escape(JsonText.Compact(run.Property("result"), 1000)));
        Row("error", run.Text("error") is { } error ? $"[red]{Markup.Escape(error)}[/]" : null);
        if (run.Property("children") is { ValueKind: JsonValueKind.Array } children)
        {
            // One row per child: ID, agent, status (as the parent last heard it: running until it ended).
            var first = true;
            foreach (var child in children.EnumerateArray())
            {
                Row(first ? "children" : " ", $"{Markup.Escape(child.Text("runId") ?? "")}  {Markup.Escape(child.Text("agent") ?? "")}  {Status(child.Text("status"))}");
                first = false;
            }
        }

        console.Write(grid);
    }

    public static void Table(IAnsiConsole console, JsonElement page, DateTimeOffset now)
    {
        var items = page.Property("items") is { ValueKind: JsonValueKind.Array } array ? array.EnumerateArray().ToList() : [];
        if (items.Count == 0)
        {
            console.MarkupLine("[grey]No runs.[/]");
        }
        else
        {
            var table = new Table().Border(TableBorder.Simple)
                .AddColumn("ID").AddColumn("AGENT").AddColumn("STATUS").AddColumn(new TableColumn("STEPS").RightAligned()).AddColumn(new TableColumn("AGE").RightAligned());
            foreach (var run in items)
            {
                var created = DateTimeOffset.TryParse(run.Text("createdAt"), CultureInfo.InvariantCulture, DateTimeStyles.None, out var c) ? c : now;
                table.AddRow(
                    Markup.Escape(run.Text("runId") ?? ""),
                    Markup.Escape(run.Text("agent") ?? ""),
                    Status(run.Text("status")),
                    (run.Number("steps") ?? 0).ToString(CultureInfo.InvariantCulture),
                    JsonText.Age(now - created));
            }

            console.Write(table);
        }

        if (page.Text("nextCursor") is { } cursor)
        {
            console.MarkupLine($"[grey]More: oagents run list --cursor {Markup.Escape(cursor)}[/]");
        }
    }

    private static string Timestamp(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var t)
            ? t.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture)
            : text ?? "";
}
