using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using OrleansAgents.Runs;
using OrleansAgents.Runs.Engine;

namespace OrleansAgents.Journal;

/// <summary>The run's journal on PostgreSQL: group-committed writes, reads, and the removal of a whole run.</summary>
internal sealed class JournalPort(
    JournalWriter writer,
    JournalStore store,
    NpgsqlDataSource dataSource,
    IOptions<JournalOptions> options,
    IOptions<ClusterOptions> cluster) : IRunJournal
{
    /// <summary>
    /// One statement, so one transaction: the run's events, runs row, execution audit, stream PubSub state and
    /// reminder go together. Row locks only on the run's own rows, which nothing else writes once it ended.
    /// </summary>
    private const string DeleteSql =
        """
        WITH events AS (DELETE FROM oa_run_events WHERE run_id = $1),
             snapshots AS (DELETE FROM oa_run_snapshots WHERE run_id = $1),
             audits AS (DELETE FROM oa_step_executions WHERE run_id = $1),
             pubsub AS (DELETE FROM orleansstorage WHERE graintypestring = 'PubSubRendezvousGrain' AND grainidextensionstring = $2),
             reminders AS (DELETE FROM orleansreminderstable WHERE serviceid = $3 AND grainid = $4)
        DELETE FROM oa_runs WHERE run_id = $1
        """;

    public bool AuditsExecutions => options.Value.AuditStepExecutions;

    public Task CommitAsync(JournalCommit commit) => writer.CommitAsync(commit);

    public async Task<IReadOnlyList<RunEvent>> ReadAllAsync(string runId) => await store.ReadAllEventsAsync(runId);

    public async Task<RunJournalTail> ReadTailAsync(string runId)
    {
        var snapshot = await store.ReadSnapshotAsync(runId);
        var events = await store.ReadEventsAsync(runId, snapshot?.Seq ?? 0, int.MaxValue);
        return new RunJournalTail(snapshot?.Data, snapshot?.Seq ?? 0, events);
    }

    public Task<int> CountUnfinishedRunsAsync(string owner) => store.CountUnfinishedRunsAsync(owner);

    public Task<RunEvent?> ReadLastAsync(string runId) => store.ReadLastEventAsync(runId);

    public Task AuditExecutionAsync(string runId, int step, string silo) => writer.AuditStepExecutionAsync(runId, step, silo);

    public async Task DeleteRunAsync(string runId, string grainId)
    {
        await using var command = dataSource.CreateCommand(DeleteSql);
        command.Parameters.AddWithValue(runId);
        command.Parameters.AddWithValue($"{OrleansAgentsNames.StreamProvider}/{OrleansAgentsNames.RunEventsNamespace}/{runId}");
        command.Parameters.AddWithValue(cluster.Value.ServiceId);
        command.Parameters.AddWithValue(grainId);
        await command.ExecuteNonQueryAsync();
    }
}
