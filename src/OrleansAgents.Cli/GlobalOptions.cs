using System.CommandLine;

namespace OrleansAgents.Cli;

/// <summary>Options every command takes: where the front end is, the API key, and the output format.</summary>
public static class GlobalOptions
{
    public const string DefaultUrl = "http://127.0.0.1:5180";
    public const string UrlVariable = "OAGENTS_URL";
    public const string ApiKeyVariable = "OAGENTS_API_KEY";

    public static Option<string?> Url { get; } = new("--url")
    {
        Description = $"Front-end base URL (env {UrlVariable}; default {DefaultUrl})",
        HelpName = "url",
        Recursive = true,
    };

    public static Option<string?> ApiKey { get; } = new("--api-key")
    {
        Description = $"API key sent as 'Authorization: Bearer <key>' (env {ApiKeyVariable})",
        HelpName = "key",
        Recursive = true,
    };

    public static Option<bool> Json { get; } = new("--json")
    {
        Description = "Machine-readable output: the server's JSON (watch: one event per line)",
        Recursive = true,
    };

    public static void AddTo(Command root)
    {
        root.Options.Add(Url);
        root.Options.Add(ApiKey);
        root.Options.Add(Json);
    }

    /// <summary>The connection settings of this invocation, validated (missing key or bad URL: exit code 2).</summary>
    public static Connection Resolve(ParseResult parseResult)
    {
        var url = parseResult.GetValue(Url) ?? Environment.GetEnvironmentVariable(UrlVariable);
        if (string.IsNullOrWhiteSpace(url))
        {
            url = DefaultUrl;
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var baseAddress) || baseAddress.Scheme is not ("http" or "https"))
        {
            throw CliException.Usage($"'{url}' is not an http(s) URL (--url or {UrlVariable}).");
        }

        var key = parseResult.GetValue(ApiKey) ?? Environment.GetEnvironmentVariable(ApiKeyVariable);
        if (string.IsNullOrWhiteSpace(key))
        {
            throw CliException.Usage($"no API key: pass --api-key or set {ApiKeyVariable}.");
        }

        return new Connection(baseAddress, key.Trim(), parseResult.GetValue(Json));
    }
}

/// <summary>Where to send requests, with which key, and whether to print raw JSON.</summary>
public sealed record Connection(Uri BaseAddress, string ApiKey, bool Json);
