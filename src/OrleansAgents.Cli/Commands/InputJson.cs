using System.Text.Json;

namespace OrleansAgents.Cli.Commands;

/// <summary>A run's <c>--input</c>: inline JSON, <c>@file</c>, or <c>@-</c> for stdin; checked to be JSON before sending.</summary>
public static class InputJson
{
    public static string Read(string? value)
    {
        if (value is null)
        {
            return "{}";
        }

        var text = value;
        if (value.StartsWith('@'))
        {
            var path = value[1..];
            try
            {
                text = path == "-" ? Console.In.ReadToEnd() : File.ReadAllText(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                throw CliException.Usage($"cannot read the input file '{path}': {ex.Message}");
            }
        }

        try
        {
            using var doc = JsonDocument.Parse(text);
            return doc.RootElement.GetRawText();
        }
        catch (JsonException ex)
        {
            throw CliException.Usage($"--input is not valid JSON: {ex.Message}");
        }
    }
}
