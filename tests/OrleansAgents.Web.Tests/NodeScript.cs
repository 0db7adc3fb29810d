using System.Diagnostics;
using System.Text;
using OrleansAgents.Testing;

namespace OrleansAgents.Web.Tests;

/// <summary>
/// Runs <c>openai-node/responses.mjs</c> (the official <c>openai</c> npm package) with Node, installing its packages
/// from the lock file first when CI has not; each line it prints can be answered on its stdin. Bounded in time.
/// </summary>
internal static class NodeScript
{
    public static readonly string Directory = Path.Combine(SiloProcess.RepositoryRoot(), "tests", "OrleansAgents.Web.Tests", "openai-node");

    private static readonly SemaphoreSlim Install = new(1, 1);

    public static async Task<(int Exit, string Output)> RunAsync(
        Uri frontEnd, string scenario, Func<string, TextWriter, Task>? onLine = null, TimeSpan? timeout = null)
    {
        await Install.WaitAsync();
        try
        {
            if (!System.IO.Directory.Exists(Path.Combine(Directory, "node_modules", "openai")))
            {
                var (installed, log) = await RunAsync("npm", ["ci", "--no-audit", "--no-fund"], [], null, TimeSpan.FromMinutes(5));
                if (installed != 0)
                {
                    return (installed, $"npm ci failed:\n{log}");
                }
            }
        }
        finally
        {
            Install.Release();
        }

        return await RunAsync("node", ["responses.mjs", scenario],
            [("OA_BASE_URL", frontEnd.ToString().TrimEnd('/')), ("OA_KEY", "dev-user-1")], onLine, timeout ?? TimeSpan.FromMinutes(4));
    }

    private static async Task<(int Exit, string Output)> RunAsync(
        string file, string[] arguments, (string Name, string Value)[] environment, Func<string, TextWriter, Task>? onLine, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = Directory, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        var output = new StringBuilder();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (await process.StandardOutput.ReadLineAsync(cts.Token) is { } line)
            {
                output.AppendLine(line);
                if (onLine is not null)
                {
                    await onLine(line, process.StandardInput);
                }
            }

            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true); // bounded: never left running
            await process.WaitForExitAsync();
            return (-1, $"timed out after {timeout}\n{output}\n{await stderr}");
        }

        return (process.ExitCode, $"{output}\n{await stderr}");
    }
}
