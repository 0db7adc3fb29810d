using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace OrleansAgents.Cli.Tests;

/// <summary>A running CLI process: its output lines as they come, signals, and the end.</summary>
public sealed class CliProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly StringBuilder _stderr = new();
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public CliProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                _stdoutClosed.TrySetResult();
                return;
            }

            lock (_lines)
            {
                _lines.Add(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                _stderrClosed.TrySetResult();
                return;
            }

            lock (_stderr)
            {
                _stderr.AppendLine(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.StandardInput.Close();
    }

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>Waits until some stdout line satisfies <paramref name="predicate"/>.</summary>
    public async Task WaitForLineAsync(Func<string, bool> predicate, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Lines.Any(predicate))
        {
            if (_process.HasExited && _stdoutClosed.Task.IsCompleted && !Lines.Any(predicate))
            {
                throw new InvalidOperationException($"oagents exited ({_process.ExitCode}) first.\n{string.Join('\n', Lines)}\n{Stderr}");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"no such line within {timeout}.\n{string.Join('\n', Lines)}");
            }

            await Task.Delay(20);
        }
    }

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>SIGINT, as Ctrl+C in a terminal.</summary>
    public async Task InterruptAsync()
    {
        using var kill = Process.Start("kill", ["-INT", _process.Id.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
    }

    /// <summary>SIGKILL: no chance to clean up.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    public async Task<CliResult> WaitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            await Task.WhenAll(_stdoutClosed.Task, _stderrClosed.Task).WaitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw new TimeoutException($"oagents did not exit within {timeout}.\n{string.Join('\n', Lines)}\n{Stderr}");
        }

        return new CliResult(_process.ExitCode, string.Join('\n', Lines), Stderr);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
