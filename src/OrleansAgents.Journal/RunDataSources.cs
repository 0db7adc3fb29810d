using System.Text;
using Npgsql;

namespace OrleansAgents.Journal;

/// <summary>
/// Where each run's journal lives (<c>oa_run_events</c>, <c>oa_runs</c>, <c>oa_run_snapshots</c>,
/// <c>oa_step_executions</c>): the seam that takes the journal past one PostgreSQL server. Today one server holds
/// every run, the cluster's own database. With <c>ConnectionStrings:JournalShards:0..N-1</c> set, each run's
/// journal lives on one of N servers, picked by a stable hash of its run ID (<see cref="ShardOf"/>), while
/// Orleans' own tables (membership, grain state, reminders, stream PubSub) and the tools' tables stay on the
/// cluster's database. Per-run reads and writes go to <see cref="ForRun"/>; queries across runs (listing,
/// recovery, retention, quotas) ask every source in <see cref="All"/> and merge. The shard count is fixed for a
/// cluster's life: changing it moves runs, which needs a migration this code does not do.
/// </summary>
public sealed class RunDataSources : IAsyncDisposable
{
    private readonly NpgsqlDataSource[] _shards;

    /// <param name="cluster">The cluster's own database.</param>
    /// <param name="shards">Journal servers; empty: the journal is in the cluster's database.</param>
    public RunDataSources(NpgsqlDataSource cluster, IReadOnlyList<NpgsqlDataSource> shards)
    {
        Cluster = cluster;
        _shards = shards.Count == 0 ? [cluster] : [.. shards];
    }

    /// <summary>The cluster's own database (Orleans' tables, the tools' tables).</summary>
    public NpgsqlDataSource Cluster { get; }

    /// <summary>Every journal server, in shard order.</summary>
    public IReadOnlyList<NpgsqlDataSource> All => _shards;

    /// <summary>Whether the journal is on servers of its own (else on the cluster's database).</summary>
    public bool IsSharded => _shards.Length > 1 || !ReferenceEquals(_shards[0], Cluster);

    /// <summary>The server that holds this run's journal.</summary>
    public NpgsqlDataSource ForRun(string runId) => _shards[ShardOf(runId, _shards.Length)];

    /// <summary>
    /// The shard of a run ID: FNV-1a over its UTF-8 bytes, modulo <paramref name="count"/>. Stable across
    /// processes, machines and .NET versions (unlike <see cref="string.GetHashCode()"/>).
    /// </summary>
    public static int ShardOf(string runId, int count)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(runId))
        {
            hash = (hash ^ b) * 16777619u;
        }

        return (int)(hash % (uint)count);
    }

    /// <summary>Disposes the journal servers' data sources (not the cluster's: its owner does).</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var shard in _shards.Where(s => !ReferenceEquals(s, Cluster)))
        {
            await shard.DisposeAsync();
        }
    }

    /// <summary>Runs <paramref name="query"/> on every journal server at once and concatenates what they return.</summary>
    public async Task<List<T>> QueryAllAsync<T>(Func<NpgsqlDataSource, Task<List<T>>> query)
    {
        if (_shards.Length == 1)
        {
            return await query(_shards[0]);
        }

        var parts = await Task.WhenAll(_shards.Select(query));
        return [.. parts.SelectMany(p => p)];
    }
}
