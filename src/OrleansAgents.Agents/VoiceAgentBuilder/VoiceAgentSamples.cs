using System.Reflection;

namespace OrleansAgents.Agents.VoiceAgentBuilder;

/// <summary>The sample documents, live configuration and schema shipped with the voice-agent-builder.</summary>
public static class VoiceAgentSamples
{
    public const string CurrentConfiguration = "current-config.json";
    public const string Schema = "voice-agent.schema.json";

    /// <summary>The sample documents a run can name in its input.</summary>
    public static IReadOnlyList<string> Documents { get; } = ["clinic-faq.md", "booking-policy.md", "escalation-contacts.md"];

    public static string Read(string name)
    {
        using var stream = typeof(VoiceAgentSamples).Assembly.GetManifestResourceStream($"voice-agent-builder/{name}")
            ?? throw new FileNotFoundException($"No sample named '{name}'.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    public static bool Exists(string name) =>
        typeof(VoiceAgentSamples).Assembly.GetManifestResourceInfo($"voice-agent-builder/{name}") is not null;

    internal static Assembly Assembly => typeof(VoiceAgentSamples).Assembly;
}
