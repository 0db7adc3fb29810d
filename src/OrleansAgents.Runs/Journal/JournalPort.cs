using Microsoft.Extensions.Options;
using Orleans.Configuration;
using OrleansAgents.Runs;
using OrleansAgents.Runs.Engine;

namespace OrleansAgents.Journal;

/// <summary>The run's journal on PostgreSQL: group-committed writes, reads, and the removal of a whole run.</summary>
internal sealed class JournalPort(
    JournalWriter writer,
    JournalStore store,
    RunDataSources sources,
    UnfinishedRunCounter unfinished,
    IOptions<JournalOptions> options,
    IOptions<ClusterOptions> cluster) : IRunJournal
{
    /// <summary>
    /// One statement, so one transaction: the run's events, snapshot, runs row, responses, execution audit, stream
    /// PubSub state and reminder go together. Row locks only on the run's own rows, which nothing else writes once it ended.
    /// </summary>
    private const string DeleteSql =
        """
        WITH events AS (DELETE FROM oa_run_events WHERE run_id = $1),
             snapshots AS (DELETE FROM oa_run_snapshots WHERE run_id = $1),
             responses AS (DELETE FROM oa_responses WHERE run_id = $1),
             audits AS (DELETE FROM oa_step_executions WHERE run_id = $1),
             pubsub AS (DELETE FROM orleansstorage WHERE graintypestring = 'PubSubRendezvousGrain' AND grainidextensionstring = $2),
             reminders AS (DELETE FROM orleansreminderstable WHERE serviceid = $3 AND grainid = $4)
        DELETE FROM oa_runs WHERE run_id = $1
        """;

    /// <summary>With the journal on a server of its own: its part there, then Orleans' part on the cluster's database.</summary>
    private const string DeleteJournalSql =
        """
        WITH events AS (DELETE FROM oa_run_events WHERE run_id = $1),
             snapshots AS (DELETE FROM oa_run_snapshots WHERE run_id = $1),
             responses AS (DELETE FROM oa_responses WHERE run_id = $1),
             audits AS (DELETE FROM oa_step_executions WHERE run_id = $1)
        DELETE FROM oa_runs WHERE run_id = $1
        """;

    private const string DeleteClusterStateSql =
        """
        WITH pubsub AS (DELETE FROM orleansstorage WHERE graintypestring = 'PubSubRendezvousGrain' AND grainidextensionstring = $1)
        DELETE FROM orleansreminderstable WHERE serviceid = $2 AND grainid = $3
        """;

    public bool AuditsExecutions => options.Value.AuditStepExecutions;

    public async Task CommitAsync(JournalCommit commit)
    {
        await writer.CommitAsync(commit);
        unfinished.Committed(commit);
    }

    public async Task<IReadOnlyList<RunEvent>> ReadAllAsync(string runId) => await store.ReadAllEventsAsync(runId);

    public async Task<RunJournalTail> ReadTailAsync(string runId)
    {
        var snapshot = await store.ReadSnapshotAsync(runId);
        var events = await store.ReadEventsAsync(runId, snapshot?.Seq ?? 0, int.MaxValue);
        return new RunJournalTail(snapshot?.Data, snapshot?.Seq ?? 0, events);
    }

    public Task<int> CountUnfinishedRunsAsync(string owner) => unfinished.CountAsync(owner);

    public Task<RunEvent?> ReadLastAsync(string runId) => store.ReadLastEventAsync(runId);

    public Task AuditExecutionAsync(string runId, int step, string silo) => writer.AuditStepExecutionAsync(runId, step, silo);

    /// <remarks>
    /// Sharded, the two parts are two transactions: a removal cut off between them is finished by the next
    /// activation (the header says expired), and each part deletes nothing the second time.
    /// </remarks>
    public async Task DeleteRunAsync(string runId, string grainId)
    {
        var stream = $"{OrleansAgentsNames.StreamProvider}/{OrleansAgentsNames.RunEventsNamespace}/{runId}";
        if (!sources.IsSharded)
        {
            await using var command = sources.Cluster.CreateCommand(DeleteSql);
            command.Parameters.AddWithValue(runId);
            command.Parameters.AddWithValue(stream);
            command.Parameters.AddWithValue(cluster.Value.ServiceId);
            command.Parameters.AddWithValue(grainId);
            await command.ExecuteNonQueryAsync();
            return;
        }

        await using (var journal = sources.ForRun(runId).CreateCommand(DeleteJournalSql))
        {
            journal.Parameters.AddWithValue(runId);
            await journal.ExecuteNonQueryAsync();
        }

        await using var state = sources.Cluster.CreateCommand(DeleteClusterStateSql);
        state.Parameters.AddWithValue(stream);
        state.Parameters.AddWithValue(cluster.Value.ServiceId);
        state.Parameters.AddWithValue(grainId);
        await state.ExecuteNonQueryAsync();
    }
}
