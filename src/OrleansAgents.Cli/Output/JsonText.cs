using System.Globalization;
using System.Text.Json;

namespace OrleansAgents.Cli.Output;

/// <summary>Reading optional fields of the API's JSON and showing values in one line.</summary>
public static class JsonText
{
    public static string? Text(this JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public static long? Number(this JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n : null;

    public static double? Real(this JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    public static JsonElement? Property(this JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined) ? v : null;

    /// <summary>Compact JSON (strings unquoted), cut to <paramref name="max"/> characters.</summary>
    public static string Compact(JsonElement? e, int max = 200)
    {
        if (e is not { } value)
        {
            return "";
        }

        var text = value.ValueKind == JsonValueKind.String ? value.GetString() ?? "" : JsonSerializer.Serialize(value);
        return Cut(text, max);
    }

    public static string Cut(string text, int max)
    {
        text = text.ReplaceLineEndings(" ");
        return text.Length <= max ? text : string.Concat(text.AsSpan(0, max - 1), "…");
    }

    public static string Duration(double milliseconds) => milliseconds switch
    {
        < 10 => $"{milliseconds.ToString("0.0", CultureInfo.InvariantCulture)} ms",
        < 1000 => $"{milliseconds.ToString("0", CultureInfo.InvariantCulture)} ms",
        < 60_000 => $"{(milliseconds / 1000.0).ToString("0.0", CultureInfo.InvariantCulture)} s",
        _ => $"{((long)milliseconds / 60_000).ToString(CultureInfo.InvariantCulture)}m {((long)milliseconds / 1000 % 60).ToString("00", CultureInfo.InvariantCulture)}s",
    };

    public static string Age(TimeSpan age) => age switch
    {
        { TotalSeconds: < 60 } => $"{Math.Max(0, (int)age.TotalSeconds).ToString(CultureInfo.InvariantCulture)}s",
        { TotalMinutes: < 60 } => $"{((int)age.TotalMinutes).ToString(CultureInfo.InvariantCulture)}m",
        { TotalHours: < 48 } => $"{((int)age.TotalHours).ToString(CultureInfo.InvariantCulture)}h",
        _ => $"{((int)age.TotalDays).ToString(CultureInfo.InvariantCulture)}d",
    };

    /// <summary><c>tokens 120 in / 45 out</c> from <c>{ inputTokens, outputTokens, totalTokens }</c>, or empty.</summary>
    public static string Tokens(JsonElement? usage)
    {
        if (usage is not { } u)
        {
            return "";
        }

        var input = u.Number("inputTokens");
        var output = u.Number("outputTokens");
        if (input is null && output is null)
        {
            return u.Number("totalTokens") is { } total ? $"tokens {total.ToString(CultureInfo.InvariantCulture)}" : "";
        }

        return $"tokens {(input ?? 0).ToString(CultureInfo.InvariantCulture)} in / {(output ?? 0).ToString(CultureInfo.InvariantCulture)} out";
    }
}
