using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using Npgsql;
using OrleansAgents.Journal;
using Polly;
using Polly.Timeout;
using OrleansAgents.Following;
using OrleansAgents.Runs;

namespace OrleansAgents.Client;

/// <summary>The Orleans-client implementation of <see cref="IAgentRuns"/>.</summary>
internal sealed class AgentRuns(IClusterClient cluster, IOptions<AgentsClientOptions> options) : IAgentRuns, IAsyncDisposable
{
    private const int Page = 500;
    private static readonly TimeSpan Silence = TimeSpan.FromSeconds(2);

    private readonly string _watcherId = $"client-{Guid.NewGuid():N}";
    private long _watches;
    private readonly Lazy<RunDataSources> _db = new(() => new RunDataSources(
        NpgsqlDataSource.Create(options.Value.ConnectionString!), [.. options.Value.JournalShards.Select(NpgsqlDataSource.Create)]));

    private IAgentRunGrain Run(string runId) => cluster.GetGrain<IAgentRunGrain>(runId);

    public Task<RunSnapshot> StartAsync(string runId, string agent, string inputJson, CancellationToken cancellationToken = default) =>
        RetryAsync(() => Run(runId).StartAsync(new StartRunRequest(agent, inputJson, options.Value.Owner)), cancellationToken);

    public Task<RunSnapshot> GetAsync(string runId, CancellationToken cancellationToken = default) =>
        RetryAsync(() => Run(runId).GetStatusAsync(), cancellationToken);

    public Task<RunSnapshot> CancelAsync(string runId, string? reason = null, CancellationToken cancellationToken = default) =>
        RetryAsync(() => Run(runId).CancelAsync(reason), cancellationToken);

    public Task<RunSnapshot> ApproveAsync(string runId, string? comment = null, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        WithKeyAsync(idempotencyKey, key => Run(runId).ApproveAsync(comment, key), cancellationToken);

    public Task<RunSnapshot> RejectAsync(string runId, string? reason = null, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        WithKeyAsync(idempotencyKey, key => Run(runId).RejectAsync(reason, key), cancellationToken);

    public Task<RunSnapshot> ApproveAsync(string runId, long requestSeq, string? comment = null, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(requestSeq, 1);
        return WithKeyAsync(idempotencyKey, key => Run(runId).ApproveAsync(comment, key, requestSeq), cancellationToken);
    }

    public Task<RunSnapshot> RejectAsync(string runId, long requestSeq, string? reason = null, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(requestSeq, 1);
        return WithKeyAsync(idempotencyKey, key => Run(runId).RejectAsync(reason, key, requestSeq), cancellationToken);
    }

    public Task<RunSnapshot> SendMessageAsync(string runId, string message, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        WithKeyAsync(idempotencyKey, key => Run(runId).SendMessageAsync(message, key), cancellationToken);

    /// <summary>
    /// Sends a command under one idempotency key, again while no worker can take it or its answer is lost (a
    /// timeout, a silo gone): the run applies it once however often it arrives.
    /// </summary>
    private Task<RunSnapshot> WithKeyAsync(string? idempotencyKey, Func<string, Task<RunSnapshot>> send, CancellationToken cancellationToken)
    {
        var key = idempotencyKey ?? Guid.NewGuid().ToString("N");
        return RetryAsync(() => send(key), cancellationToken);
    }

    /// <summary>
    /// Calls the cluster, again with backoff (200 ms to 5 s, with jitter, for up to <see cref="AgentsClientOptions.RetryLimit"/>)
    /// while no worker can take the call or PostgreSQL cannot be reached: during a deploy, a restart or a short
    /// database outage a call waits instead of failing.
    /// Start is idempotent by run ID, reads are reads, cancel is idempotent; other commands carry a key.
    /// </summary>
    private async Task<RunSnapshot> RetryAsync(Func<Task<RunSnapshot>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await _retry.Value.ExecuteAsync(async ct => await call().WaitAsync(ct), cancellationToken);
        }
        catch (TimeoutRejectedException ex)
        {
            throw new TimeoutException($"No worker took the call, or PostgreSQL stayed unreachable, for {options.Value.RetryLimit.TotalSeconds:0} s (OrleansAgents:Client:RetryLimit).", ex);
        }
    }

    private readonly Lazy<ResiliencePipeline> _retry = new(() => UnavailableRetry.Within(
        options.Value.RetryLimit, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(5), NoWorkerFailures.IsUnavailable));

    public async Task<IReadOnlyList<RunSummary>> ListAsync(RunStatus? status = null, string? owner = null, int limit = 50, CancellationToken cancellationToken = default)
    {
        var top = Math.Clamp(limit, 1, 1000);
        var runs = await _db.Value.QueryAllAsync(async source =>
        {
            await using var command = source.CreateCommand(
                """
                SELECT run_id, agent, owner, status, created_at, updated_at FROM oa_runs
                 WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR owner = $2)
                 ORDER BY created_at DESC, run_id DESC LIMIT $3
                """);
            command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = status is { } s ? DbStatus(s) : null, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = owner, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = top });
            var part = new List<RunSummary>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                part.Add(new RunSummary(reader.GetString(0), reader.GetString(1), reader.GetString(2), FromDb(reader.GetString(3)),
                    new DateTimeOffset(reader.GetDateTime(4), TimeSpan.Zero), new DateTimeOffset(reader.GetDateTime(5), TimeSpan.Zero)));
            }

            return part;
        });
        return _db.Value.All.Count == 1
            ? runs
            : [.. runs.OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.RunId, StringComparer.Ordinal).Take(top)];
    }

    public async IAsyncEnumerable<RunEvent> WatchAsync(string runId, long afterSeq = 0, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // Subscribe before reading the record, so nothing committed in between is missed.
        // Each watch holds its own lease on the run, so ending one (which gives the lease back) leaves the others live.
        await using var live = await StreamedEvents.SubscribeAsync(cluster, runId, $"{_watcherId}-{Interlocked.Increment(ref _watches)}");
        var record = new GrainRecord(Run(runId));
        await foreach (var e in ResumeRule.FollowAsync(record, live, afterSeq, new FollowSettings(Page, Silence), cancellationToken))
        {
            yield return e;
        }
    }

    private static string DbStatus(RunStatus status) => status switch
    {
        RunStatus.WaitingForInput => "waiting_for_input",
        _ => status.ToString().ToLowerInvariant(),
    };

    private static RunStatus FromDb(string text) => text == "waiting_for_input"
        ? RunStatus.WaitingForInput
        : Enum.Parse<RunStatus>(text, ignoreCase: true);

    public async ValueTask DisposeAsync()
    {
        if (_db.IsValueCreated)
        {
            await _db.Value.DisposeAsync();
            await _db.Value.Cluster.DisposeAsync();
        }
    }
}
