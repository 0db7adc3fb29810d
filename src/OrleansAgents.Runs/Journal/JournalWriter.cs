using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using OrleansAgents.Telemetry;
using Polly;
using Polly.Retry;

namespace OrleansAgents.Journal;

/// <summary>
/// Commits run journals with group commit: commits from many concurrent runs queue here and a few
/// writer loops each send what has queued as one PostgreSQL statement (one round trip, one WAL flush).
/// A run has at most one commit in flight, so its events reach the table in order. With the journal on
/// several servers (<see cref="RunDataSources"/>), a batch is split by server and each part is one statement.
/// </summary>
public sealed class JournalWriter(
    RunDataSources sources,
    IOptions<JournalOptions> options,
    ILogger<JournalWriter> logger) : ILifecycleParticipant<ISiloLifecycle>, IAsyncDisposable
{
    private const string CommitSql =
        """
        WITH events AS (
            INSERT INTO oa_run_events (run_id, seq, type, at, data)
            SELECT e.run_id, e.seq, e.type, e.at, e.data::json
              FROM unnest($1::text[], $2::bigint[], $3::text[], $4::timestamptz[], $5::text[]) AS e(run_id, seq, type, at, data)
        ), audits AS (
            INSERT INTO oa_step_executions (run_id, step, silo)
            SELECT * FROM unnest($16::text[], $17::integer[], $18::text[])
        ), snapshots AS (
            INSERT INTO oa_run_snapshots AS s (run_id, seq, data)
            SELECT * FROM unnest($20::text[], $21::bigint[], $22::text[])
            ON CONFLICT (run_id) DO UPDATE SET seq = excluded.seq, data = excluded.data WHERE s.seq < excluded.seq
        ), dropped AS (
            DELETE FROM oa_run_snapshots WHERE run_id = ANY($23::text[])
        )
        INSERT INTO oa_runs AS r (run_id, owner, agent, agent_version, status, created_at, updated_at, last_seq, steps, silo, total_tokens)
        SELECT * FROM unnest($6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::timestamptz[],
                             $12::timestamptz[], $13::bigint[], $14::integer[], $15::text[], $19::bigint[])
        ON CONFLICT (run_id) DO UPDATE
           SET status = excluded.status, agent_version = excluded.agent_version, updated_at = excluded.updated_at, last_seq = excluded.last_seq,
               steps = excluded.steps, silo = excluded.silo, total_tokens = excluded.total_tokens
         WHERE r.last_seq < excluded.last_seq
        """;

    private static readonly ResiliencePropertyKey<long> Started = new("oa.journal.started");
    private static readonly ResiliencePropertyKey<int> BatchCount = new("oa.journal.batch-count");

    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleWriter = false });
    private readonly CancellationTokenSource _stopping = new();
    private readonly JournalOptions _options = options.Value;
    private Task[] _writers = [];
    private ResiliencePipeline? _retry;
    private int _disposed;

    /// <summary>Commits the events and runs-table row atomically. Completes once PostgreSQL has committed.</summary>
    /// <exception cref="JournalConflictException">Events already exist at these sequence numbers.</exception>
    /// <exception cref="JournalUnavailableException">PostgreSQL stayed unreachable past the retry limit.</exception>
    /// <exception cref="JournalRejectedException">PostgreSQL refused what the commit holds.</exception>
    public Task CommitAsync(JournalCommit commit)
    {
        var pending = new Pending(commit, null);
        return Enqueue(pending);
    }

    /// <summary>Records that a step body is about to run (execution auditing). Completes once durable.</summary>
    public Task AuditStepExecutionAsync(string runId, int step, string silo)
    {
        var pending = new Pending(null, new StepExecution(runId, step, silo));
        return Enqueue(pending);
    }

    private Task Enqueue(Pending pending)
    {
        if (!_queue.Writer.TryWrite(pending))
        {
            return Task.FromException(new ObjectDisposedException(nameof(JournalWriter)));
        }

        return pending.Completion.Task;
    }

    /// <summary>
    /// Starts with the silo's runtime and stops after every grain has deactivated, so the last commits of
    /// deactivating runs still land.
    /// </summary>
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(JournalWriter), ServiceLifecycleStage.RuntimeInitialize, StartAsync, StopAsync);

    private Task StartAsync(CancellationToken cancellationToken)
    {
        _writers = [.. Enumerable.Range(0, _options.Writers).Select(_ => Task.Run(WriteLoopAsync, CancellationToken.None))];
        return Task.CompletedTask;
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        // Drain what is queued: silo shutdown deactivates runs first, so their last commits are in.
        _queue.Writer.TryComplete();
        try
        {
            await Task.WhenAll(_writers).WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            await _stopping.CancelAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Registered under two service types, so the container may dispose it twice.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _queue.Writer.TryComplete();
        await _stopping.CancelAsync();
        _stopping.Dispose();
    }

    private ResiliencePipeline Retry => _retry ??= BuildRetry();

    private async Task WriteLoopAsync()
    {
        var batch = new List<Pending>(_options.MaxBatchSize);
        var reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync(_stopping.Token))
            {
                batch.Clear();
                while (batch.Count < _options.MaxBatchSize && reader.TryRead(out var item))
                {
                    batch.Add(item);
                }

                AgentsTelemetry.BatchSize.Record(batch.Count);
                if (sources.All.Count == 1)
                {
                    await CommitBatchAsync(batch, sources.All[0]);
                }
                else
                {
                    await Task.WhenAll(batch.GroupBy(item => sources.ForRun(item.RunId)).Select(part => CommitBatchAsync([.. part], part.Key)));
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }

        while (reader.TryRead(out var left))
        {
            left.Completion.TrySetException(new ObjectDisposedException(nameof(JournalWriter)));
        }
    }

    private async Task CommitBatchAsync(List<Pending> batch, NpgsqlDataSource dataSource)
    {
        var context = ResilienceContextPool.Shared.Get(_stopping.Token);
        context.Properties.Set(Started, Stopwatch.GetTimestamp());
        context.Properties.Set(BatchCount, batch.Count);
        try
        {
            await Retry.ExecuteAsync(
                static async (_, state) => await state.Writer.WriteAsync(state.Batch, state.DataSource),
                context,
                (Writer: this, Batch: batch, DataSource: dataSource));
            foreach (var item in batch)
            {
                item.Completion.TrySetResult();
            }
        }
        catch (Exception ex) when (IsTransient(ex) && !_stopping.IsCancellationRequested)
        {
            // Still unreachable past the retry limit.
            Log.JournalGaveUp(logger, batch.Count, ex);
            foreach (var item in batch)
            {
                item.Completion.TrySetException(new JournalUnavailableException(ex));
            }
        }
        catch (Exception ex) when (batch.Count > 1)
        {
            // One commit spoiled the statement for all: commit each on its own so only it fails.
            Log.JournalSplitting(logger, batch.Count, ex.Message);
            foreach (var item in batch)
            {
                await CommitBatchAsync([item], dataSource);
            }
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            var single = batch[0];
            single.Completion.TrySetException(new JournalConflictException(single.RunId, ex));
        }
        catch (Exception ex) when (ex is PostgresException or NpgsqlException { IsTransient: false } or InvalidCastException or ArgumentException or FormatException)
        {
            // Refused for what the commit holds: sending it again fails the same way.
            batch[0].Completion.TrySetException(new JournalRejectedException(batch[0].RunId, ex));
        }
        catch (Exception ex)
        {
            batch[0].Completion.TrySetException(ex);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>
    /// Transient failures (PostgreSQL down) again, backing off from 50 ms doubling to 1 s, until
    /// <see cref="JournalOptions.UnavailableRetryLimit"/> has passed since the batch's first try; runs pause meanwhile.
    /// Each retry is logged. An attempt in flight is never cut short by the limit; silo shutdown stops the waiting.
    /// </summary>
    private ResiliencePipeline BuildRetry() => new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } ex && IsTransient(ex)
                && Stopwatch.GetElapsedTime(args.Context.Properties.GetValue(Started, 0L)) <= _options.UnavailableRetryLimit),
            MaxRetryAttempts = int.MaxValue,
            BackoffType = DelayBackoffType.Exponential,
            Delay = TimeSpan.FromMilliseconds(50),
            MaxDelay = TimeSpan.FromSeconds(1),
            OnRetry = args =>
            {
                Log.JournalRetrying(logger, args.Context.Properties.GetValue(BatchCount, 0), args.RetryDelay.TotalMilliseconds, args.Outcome.Exception!.Message);
                return ValueTask.CompletedTask;
            },
        })
        .Build();

    private async Task WriteAsync(List<Pending> batch, NpgsqlDataSource dataSource)
    {
        var eventCount = 0;
        var runCount = 0;
        var auditCount = 0;
        var snapshotCount = 0;
        var droppedCount = 0;
        foreach (var item in batch)
        {
            if (item.Commit is { } commit)
            {
                eventCount += commit.Events.Count;
                runCount += commit.Run is null ? 0 : 1;
                snapshotCount += commit.Snapshot is null ? 0 : 1;
                droppedCount += commit.DropSnapshot ? 1 : 0;
            }
            else
            {
                auditCount++;
            }
        }

        var eRunIds = new string[eventCount];
        var eSeqs = new long[eventCount];
        var eTypes = new string[eventCount];
        var eAts = new DateTime[eventCount];
        var eData = new string[eventCount];
        var rIds = new string[runCount];
        var rOwners = new string[runCount];
        var rAgents = new string[runCount];
        var rVersions = new string[runCount];
        var rStatuses = new string[runCount];
        var rCreated = new DateTime[runCount];
        var rUpdated = new DateTime[runCount];
        var rLastSeqs = new long[runCount];
        var rSteps = new int[runCount];
        var rSilos = new string?[runCount];
        var rTokens = new long[runCount];
        var aRunIds = new string[auditCount];
        var aSteps = new int[auditCount];
        var aSilos = new string[auditCount];
        var sRunIds = new string[snapshotCount];
        var sSeqs = new long[snapshotCount];
        var sData = new string[snapshotCount];
        var dRunIds = new string[droppedCount];

        int e = 0, r = 0, a = 0, sn = 0, d = 0;
        foreach (var item in batch)
        {
            if (item.Commit is { } commit)
            {
                foreach (var ev in commit.Events)
                {
                    eRunIds[e] = commit.RunId;
                    eSeqs[e] = ev.Seq;
                    eTypes[e] = ev.Type;
                    eAts[e] = ev.At.UtcDateTime;
                    eData[e] = ev.Data;
                    e++;
                }

                if (commit.Snapshot is { } snapshot)
                {
                    sRunIds[sn] = commit.RunId;
                    sSeqs[sn] = commit.Events[^1].Seq;
                    sData[sn] = snapshot;
                    sn++;
                }

                if (commit.DropSnapshot)
                {
                    dRunIds[d++] = commit.RunId;
                }

                if (commit.Run is not { } run)
                {
                    continue;
                }

                rIds[r] = run.RunId;
                rOwners[r] = run.Owner;
                rAgents[r] = run.Agent;
                rVersions[r] = run.AgentVersion;
                rStatuses[r] = RunStatusNames.ToDb(run.Status);
                rCreated[r] = run.CreatedAt.UtcDateTime;
                rUpdated[r] = run.UpdatedAt.UtcDateTime;
                rLastSeqs[r] = run.LastSeq;
                rSteps[r] = run.Steps;
                rSilos[r] = run.Silo;
                rTokens[r] = run.TotalTokens;
                r++;
            }
            else
            {
                var audit = item.Audit!;
                aRunIds[a] = audit.RunId;
                aSteps[a] = audit.Step;
                aSilos[a] = audit.Silo;
                a++;
            }
        }

        await using var command = dataSource.CreateCommand(CommitSql);
        var p = command.Parameters;
        p.Add(new NpgsqlParameter<string[]> { Value = eRunIds });
        p.Add(new NpgsqlParameter<long[]> { Value = eSeqs });
        p.Add(new NpgsqlParameter<string[]> { Value = eTypes });
        p.Add(new NpgsqlParameter<DateTime[]> { Value = eAts, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        p.Add(new NpgsqlParameter<string[]> { Value = eData });
        p.Add(new NpgsqlParameter<string[]> { Value = rIds });
        p.Add(new NpgsqlParameter<string[]> { Value = rOwners });
        p.Add(new NpgsqlParameter<string[]> { Value = rAgents });
        p.Add(new NpgsqlParameter<string[]> { Value = rVersions });
        p.Add(new NpgsqlParameter<string[]> { Value = rStatuses });
        p.Add(new NpgsqlParameter<DateTime[]> { Value = rCreated, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        p.Add(new NpgsqlParameter<DateTime[]> { Value = rUpdated, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        p.Add(new NpgsqlParameter<long[]> { Value = rLastSeqs });
        p.Add(new NpgsqlParameter<int[]> { Value = rSteps });
        p.Add(new NpgsqlParameter<string?[]> { Value = rSilos, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        p.Add(new NpgsqlParameter<string[]> { Value = aRunIds });
        p.Add(new NpgsqlParameter<int[]> { Value = aSteps });
        p.Add(new NpgsqlParameter<string[]> { Value = aSilos });
        p.Add(new NpgsqlParameter<long[]> { Value = rTokens });
        p.Add(new NpgsqlParameter<string[]> { Value = sRunIds });
        p.Add(new NpgsqlParameter<long[]> { Value = sSeqs });
        p.Add(new NpgsqlParameter<string[]> { Value = sData });
        p.Add(new NpgsqlParameter<string[]> { Value = dRunIds });
        await command.ExecuteNonQueryAsync(_stopping.Token);
    }

    private static bool IsTransient(Exception ex) => ex switch
    {
        PostgresException pg => pg.IsTransient || pg.SqlState.StartsWith("57P", StringComparison.Ordinal) || pg.SqlState.StartsWith("08", StringComparison.Ordinal),
        NpgsqlException npgsql => npgsql.IsTransient || npgsql.InnerException is System.Net.Sockets.SocketException or IOException or TimeoutException,
        TimeoutException => true,
        _ => false,
    };

    private sealed record StepExecution(string RunId, int Step, string Silo);

    private sealed class Pending(JournalCommit? commit, StepExecution? audit)
    {
        public JournalCommit? Commit { get; } = commit;
        public StepExecution? Audit { get; } = audit;
        public string RunId => Commit?.RunId ?? Audit!.RunId;
        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
