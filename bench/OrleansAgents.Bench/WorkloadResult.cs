using System.Globalization;
using System.Text.Json;

namespace OrleansAgents.Bench;

/// <summary>One workload's figures: printed as one JSON line, then as a human summary.</summary>
internal sealed class WorkloadResult(string workload)
{
    public string Workload { get; } = workload;
    public SortedDictionary<string, object> Figures { get; } = new(StringComparer.Ordinal);

    public string ToJson()
    {
        var line = new Dictionary<string, object?> { ["system"] = "orleans-agents", ["workload"] = Workload };
        foreach (var (key, value) in Figures)
        {
            // A figure that could not be measured (NaN: no samples, or a front end without that metric) is null, not a crash.
            line[key] = value is double d ? (double.IsFinite(d) ? Math.Round(d, 3) : null) : value;
        }

        return JsonSerializer.Serialize(line);
    }

    public string Summary() =>
        $"{Workload}: " + string.Join(", ", Figures.Select(f => string.Create(CultureInfo.InvariantCulture, $"{f.Key}={(f.Value is double d ? Math.Round(d, 2) : f.Value)}")));
}
