using Orleans.Runtime.MembershipService.SiloMetadata;

namespace OrleansAgents.Hosting.Placement;

/// <summary>
/// The agent versions a silo hosts, as it publishes them in its silo metadata: one key per agent,
/// <c>oa.agent.&lt;name&gt;</c>, whose value is the versions it can run, comma-separated.
/// </summary>
public static class AgentVersions
{
    public const string KeyPrefix = "oa.agent.";

    /// <summary>Adds each agent's versions to <paramref name="metadata"/>.</summary>
    public static void Publish(IDictionary<string, string> metadata, IEnumerable<(string Agent, string Version)> hosted)
    {
        foreach (var group in hosted.GroupBy(a => a.Agent, StringComparer.Ordinal))
        {
            metadata[KeyPrefix + group.Key] = string.Join(',', group.Select(a => a.Version).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
        }
    }

    /// <summary>Whether the silo's metadata says it hosts this version of the agent.</summary>
    public static bool Hosts(SiloMetadata metadata, string agent, string version) =>
        metadata.Metadata.TryGetValue(KeyPrefix + agent, out var versions)
        && versions.Split(',').Contains(version, StringComparer.Ordinal);

    /// <summary>Everything the silo publishes about agents, as one comparable string.</summary>
    public static string Signature(SiloMetadata metadata) =>
        string.Join(';', metadata.Metadata.Where(m => m.Key.StartsWith(KeyPrefix, StringComparison.Ordinal))
            .OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => $"{m.Key}={m.Value}"));
}
