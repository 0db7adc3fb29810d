using System.Text.Json;
using OrleansAgents.Cli.Api;
using OrleansAgents.Cli.Output;
using Spectre.Console;

namespace OrleansAgents.Cli.Watching;

/// <summary>
/// Follows a run over SSE from a seq to its end, printing each event once and recording the last seq shown; a broken
/// connection is resumed after the last seq (the API's resume rule makes that exact). The result is the exit code.
/// </summary>
public sealed class RunWatcher(RunsClient client, IAnsiConsole console, bool json, WatchState state)
{
    private static readonly TimeSpan GiveUpAfter = TimeSpan.FromSeconds(30);

    /// <summary>The last committed seq shown (or the one the watch started after).</summary>
    public long LastSeq { get; private set; }

    public async Task<int> WatchAsync(string runId, long afterSeq, CancellationToken cancellationToken)
    {
        LastSeq = afterSeq;
        var printer = new EventPrinter(console, Console.Out, runId);
        var connected = false;
        DateTimeOffset? failingSince = null;
        var delay = TimeSpan.FromMilliseconds(200);
        while (true)
        {
            // A run that has ended with nothing after LastSeq needs no stream (the server's would wait for more).
            try
            {
                var run = (await client.GetAsync(runId, cancellationToken)).Json;
                connected = true;
                var status = run.Text("status");
                if (RunView.IsTerminal(status) && (run.Number("lastSeq") ?? 0) <= LastSeq)
                {
                    if (!json)
                    {
                        console.MarkupLine($"[grey]Run {Markup.Escape(runId)} has ended[/] {RunView.Status(status)} [grey](no events after #{LastSeq}; --from-start replays them)[/]");
                    }

                    return status == "succeeded" ? ExitCodes.Success : ExitCodes.RunNotSucceeded;
                }
            }
            catch (CliException ex) when (connected && ex.ExitCode == ExitCodes.Unavailable)
            {
                // Reconnecting while the front end is away: try again below.
            }

            string? terminal = null;
            try
            {
                await foreach (var data in client.StreamEventsAsync(runId, LastSeq, cancellationToken))
                {
                    connected = true;
                    failingSince = null;
                    terminal = Show(data, runId, printer) ?? terminal;
                }
            }
            catch (Exception ex) when (connected && ex is IOException or HttpRequestException || (connected && ex is CliException { ExitCode: ExitCodes.Unavailable }))
            {
                // The connection broke (front end restarting, network): resume after the last seq shown.
            }
            finally
            {
                printer.EndText();
            }

            if (terminal is not null)
            {
                return terminal == "run.succeeded" ? ExitCodes.Success : ExitCodes.RunNotSucceeded;
            }

            failingSince ??= DateTimeOffset.UtcNow;
            if (DateTimeOffset.UtcNow - failingSince > GiveUpAfter)
            {
                throw new CliException(ExitCodes.Unavailable, $"lost the event stream of run {runId} for {GiveUpAfter.TotalSeconds:0} s (last event #{LastSeq}).");
            }

            await Task.Delay(delay, cancellationToken);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
        }
    }

    /// <summary>Prints one event (unless already shown) and records its seq; returns its type when it ends the run.</summary>
    private string? Show(string data, string runId, EventPrinter printer)
    {
        using var doc = JsonDocument.Parse(data);
        var e = doc.RootElement;
        var seq = e.Number("seq");
        if (seq is { } s && s <= LastSeq)
        {
            return null;
        }

        if (json)
        {
            Console.Out.WriteLine(data);
        }
        else
        {
            printer.Print(e);
        }

        if (seq is not { } committed)
        {
            return null;
        }

        LastSeq = committed;
        state.Save(client.BaseAddress, runId, committed);
        var type = e.Text("type");
        return type is "run.succeeded" or "run.failed" or "run.cancelled" ? type : null;
    }
}
