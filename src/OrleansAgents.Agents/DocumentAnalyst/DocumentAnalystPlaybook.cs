using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using OrleansAgents.Models.Offline;

namespace OrleansAgents.Agents.DocumentAnalyst;

/// <summary>
/// How the offline model analyses documents for <c>document-analyst</c>: read each document the request provides
/// (normally one), then answer with the facts it states, quoted under its own headings: headings, list items, the
/// lines that introduce a list, and contact lines (phone numbers). Prose around them is left out. A document it
/// could not read is reported as such.
/// </summary>
public sealed partial class DocumentAnalystPlaybook : IOfflinePlaybook
{
    public bool Handles(IReadOnlyCollection<string> toolNames) => toolNames.Count == 1 && toolNames.Contains("read_document");

    public OfflineTurn Next(OfflineConversation conversation)
    {
        var names = ProvidedPattern().Match(conversation.Request) is { Success: true } match
            ? match.Groups[1].Value.Split(", ", StringSplitOptions.RemoveEmptyEntries)
            : [];
        var reads = conversation.Calls("read_document").ToList();
        var read = reads.Select(c => c.Arguments.TryGetValue("name", out var n) ? n?.ToString() : null).ToHashSet();
        var unread = names.Where(n => !read.Contains(n)).ToList();
        if (unread.Count > 0)
        {
            return new OfflineTurn($"Reading {string.Join(", ", unread)}.", [.. unread.Select(n => new OfflineToolCall("read_document", new JsonObject { ["name"] = n }))]);
        }

        if (reads.Count == 0)
        {
            return OfflineTurn.Answer("No document was provided, so there is nothing to analyse.");
        }

        var answer = new StringBuilder();
        foreach (var call in reads)
        {
            var result = Parse(call.Result);
            var name = result?["name"]?.GetValue<string>() ?? (call.Arguments.TryGetValue("name", out var n) ? n?.ToString() : "the document");
            if (answer.Length > 0)
            {
                answer.Append("\n\n");
            }

            answer.Append(result?["content"]?.GetValue<string>() is { } content
                ? Facts(name!, content)
                : $"I could not read {name}: {result?["error"]?.GetValue<string>() ?? "no result"}.");
        }

        return OfflineTurn.Answer(answer.ToString());
    }

    /// <summary>The document's facts, quoted: its headings, list items, list lead-ins and contact lines, in order.</summary>
    private static string Facts(string name, string content)
    {
        var kept = new List<string>();
        foreach (var raw in content.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0)
            {
                if (kept.Count > 0 && kept[^1].Length > 0)
                {
                    kept.Add(""); // groups stay apart, as in the document
                }
            }
            else if (line.StartsWith('#') || line.StartsWith("- ", StringComparison.Ordinal) || line.StartsWith("* ", StringComparison.Ordinal)
                || line.EndsWith(':') || PhonePattern().IsMatch(line))
            {
                kept.Add(line);
            }
        }

        while (kept.Count > 0 && kept[^1].Length == 0)
        {
            kept.RemoveAt(kept.Count - 1);
        }

        return kept.Count == 0
            ? $"{name} states no facts of that kind (no headings, lists or phone numbers)."
            : $"Facts from {name}, quoted:\n\n{string.Join('\n', kept)}";
    }

    private static JsonNode? Parse(string json)
    {
        try
        {
            return JsonNode.Parse(json);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    [GeneratedRegex(@"Documents provided: (.+)\.\s*$", RegexOptions.Multiline)]
    private static partial Regex ProvidedPattern();

    [GeneratedRegex(@"\+\d[\d ]{7,}")]
    private static partial Regex PhonePattern();
}
