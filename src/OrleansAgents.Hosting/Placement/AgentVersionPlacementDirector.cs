using OrleansAgents.Journal;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace OrleansAgents.Hosting.Placement;

/// <summary>
/// Places a run where its agent version is hosted. When every compatible silo hosts the same agent
/// versions (outside a deploy) any silo will do and nothing is read. During a rolling deploy, where
/// silos differ, the run's agent and version are read from the runs table and a silo that hosts them is
/// chosen; a run with none (a new run, or a version no silo hosts any more) goes to any silo, where its
/// agent's upgrade policy decides. Runs on the calling silo, so every silo registers it, front end too; it
/// also chooses where a run migrates (a run activated on a silo without its version asks to migrate).
/// </summary>
internal sealed class AgentVersionPlacementDirector(ISiloMetadataCache metadata, RunDataSources sources) : IPlacementDirector
{
    public async Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target);
        if (silos.Length > 1 && silos.Select(s => AgentVersions.Signature(metadata.GetSiloMetadata(s))).Distinct(StringComparer.Ordinal).Skip(1).Any()
            && await ReadVersionAsync(target.GrainIdentity.Key.ToString()!) is { } run)
        {
            var hosting = silos.Where(s => AgentVersions.Hosts(metadata.GetSiloMetadata(s), run.Agent, run.Version)).ToArray();
            if (hosting.Length > 0)
            {
                return hosting[Random.Shared.Next(hosting.Length)];
            }
        }

        return silos[Random.Shared.Next(silos.Length)];
    }

    private async Task<(string Agent, string Version)?> ReadVersionAsync(string runId)
    {
        await using var command = sources.ForRun(runId).CreateCommand("SELECT agent, agent_version FROM oa_runs WHERE run_id = $1");
        command.Parameters.AddWithValue(runId);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? (reader.GetString(0), reader.GetString(1)) : null;
    }
}
