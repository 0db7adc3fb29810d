using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace OrleansAgents.Runs;

/// <summary>Start requests: their input as JSON, and the hash that tells a retry from a different request.</summary>
internal static class RunRequests
{
    /// <summary>Agent, owner and input with insignificant whitespace removed: the same request always hashes the same.</summary>
    public static string Hash(StartRunRequest request)
    {
        var canonical = request.Parent is { } parent
            ? $"{request.Agent}\n{request.Owner}\n{Minify(request.Input)}\n{parent.RunId}\n{parent.Step}\n{parent.Depth}"
            : $"{request.Agent}\n{request.Owner}\n{Minify(request.Input)}";
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    public static JsonElement ParseInput(string input)
    {
        try
        {
            using var doc = JsonDocument.Parse(string.IsNullOrWhiteSpace(input) ? "{}" : input);
            return doc.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new InvalidRunRequestException($"The run input is not valid JSON: {ex.Message}");
        }
    }

    private static string Minify(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(string.IsNullOrWhiteSpace(json) ? "{}" : json);
            return JsonSerializer.Serialize(doc.RootElement);
        }
        catch (JsonException)
        {
            return json;
        }
    }
}
