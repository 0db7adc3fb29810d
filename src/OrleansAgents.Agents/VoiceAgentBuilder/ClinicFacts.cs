using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace OrleansAgents.Agents.VoiceAgentBuilder;

/// <summary>What the offline model reads out of the documents: hours, phones, rules, facts.</summary>
internal sealed partial class ClinicFacts
{
    private static readonly Dictionary<string, string> Days = new(StringComparer.OrdinalIgnoreCase)
    {
        ["monday"] = "mon", ["tuesday"] = "tue", ["wednesday"] = "wed", ["thursday"] = "thu",
        ["friday"] = "fri", ["saturday"] = "sat", ["sunday"] = "sun",
    };

    public string Clinic { get; private set; } = "the business";
    public List<JsonObject> Hours { get; } = [];
    public List<string> Triggers { get; } = [];
    public List<string> Rules { get; } = [];
    public List<string> BookingFields { get; } = [];
    public List<(string Source, List<string> Facts)> Knowledge { get; } = [];
    public string? FrontDesk { get; private set; }
    public string? Complaints { get; private set; }

    public static ClinicFacts From(IEnumerable<(string Name, string Content)> documents)
    {
        var facts = new ClinicFacts();
        foreach (var (name, content) in documents)
        {
            var bullets = new List<string>();
            var inTriggers = false;
            foreach (var raw in content.Split('\n'))
            {
                var line = raw.Trim();
                if (line.StartsWith("# ", StringComparison.Ordinal) && facts.Clinic == "the business" && TitlePattern().Match(line) is { Success: true } title)
                {
                    facts.Clinic = title.Groups[1].Value.Trim();
                }

                if (HoursPattern().Match(line) is { Success: true } hours)
                {
                    facts.Hours.Add(new JsonObject
                    {
                        ["days"] = new JsonArray([.. DayRange(hours.Groups[1].Value, hours.Groups[2].Value).Select(d => (JsonNode)d)]),
                        ["open"] = hours.Groups[3].Value,
                        ["close"] = hours.Groups[4].Value,
                    });
                }

                if (PhonePattern().Match(line) is { Success: true } phone)
                {
                    if (line.Contains("complaint", StringComparison.OrdinalIgnoreCase))
                    {
                        facts.Complaints ??= phone.Groups[1].Value.Trim();
                    }
                    else
                    {
                        facts.FrontDesk ??= phone.Groups[1].Value.Trim();
                    }
                }

                if (line.Contains("needs:", StringComparison.OrdinalIgnoreCase))
                {
                    facts.BookingFields.AddRange(line[(line.IndexOf("needs:", StringComparison.OrdinalIgnoreCase) + 6)..]
                        .Trim().TrimEnd('.').Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
                }

                if (line.EndsWith("when:", StringComparison.OrdinalIgnoreCase))
                {
                    inTriggers = true;
                    continue;
                }

                if (line.StartsWith("- ", StringComparison.Ordinal))
                {
                    var bullet = line[2..].Trim();
                    bullets.Add(bullet);
                    if (inTriggers)
                    {
                        facts.Triggers.Add(bullet.TrimEnd(',', '.'));
                    }
                    else if (bullet.StartsWith("Never", StringComparison.Ordinal) || bullet.StartsWith("Do not", StringComparison.Ordinal)
                        || bullet.StartsWith("Cancel", StringComparison.Ordinal) || bullet.StartsWith("Emergencies", StringComparison.Ordinal))
                    {
                        facts.Rules.Add(bullet);
                    }
                }
                else if (line.Length == 0)
                {
                    inTriggers = false;
                }
            }

            facts.Knowledge.Add((name, bullets.Take(8).ToList()));
        }

        if (facts.BookingFields.Count == 0)
        {
            facts.BookingFields.AddRange(["full name", "phone number"]);
        }

        return facts;
    }

    private static IEnumerable<string> DayRange(string from, string to)
    {
        var order = Days.Values.ToList();
        var start = order.IndexOf(Days[from]);
        var end = string.IsNullOrEmpty(to) ? start : order.IndexOf(Days[to]);
        return order.Skip(start).Take(end - start + 1);
    }

    [GeneratedRegex(@"^# (.+?)(\s+[—-]\s+.*)?$")]
    private static partial Regex TitlePattern();

    [GeneratedRegex(@"^- (Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)(?: to (Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday))?: (\d{2}:\d{2})\s*[–-]\s*(\d{2}:\d{2})", RegexOptions.IgnoreCase)]
    private static partial Regex HoursPattern();

    [GeneratedRegex(@":\s*(\+[0-9 ]{8,20})\s*$")]
    private static partial Regex PhonePattern();
}
