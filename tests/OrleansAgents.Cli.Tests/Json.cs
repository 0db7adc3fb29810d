using System.Text.Json;

namespace OrleansAgents.Cli.Tests;

/// <summary>Reading the CLI's --json output.</summary>
public static class Json
{
    public static JsonElement Parse(string text)
    {
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.Clone();
    }

    /// <summary>The seq of every committed event among --json watch lines (lines that are events: they have a type).</summary>
    public static List<long> Seqs(IEnumerable<string> lines) =>
        [.. lines.Select(Parse).Where(e => e.TryGetProperty("type", out _) && e.GetProperty("seq").ValueKind == JsonValueKind.Number).Select(e => e.GetProperty("seq").GetInt64())];

    public static string NewRunId() => $"cli-{Guid.NewGuid():N}";
}
