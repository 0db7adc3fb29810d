using Polly.Timeout;

namespace OrleansAgents.Runs.Tests;

/// <summary>
/// The retry of calls that wait out an outage (the front end's cluster calls, the typed client, recovery): the call
/// again while its failure is one to wait out, within a time limit, and never a failure that is the call's own.
/// </summary>
public sealed class UnavailableRetryTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(1);

    [Fact]
    public async Task A_call_that_meets_no_worker_is_sent_again_until_one_takes_it()
    {
        var pipeline = UnavailableRetry.Within(TimeSpan.FromSeconds(30), Tick, Tick, NoWorkerFailures.IsUnavailable);
        var calls = 0;

        var answer = await pipeline.ExecuteAsync(_ => ++calls < 3
            ? throw new SiloUnavailableException("gone")
            : ValueTask.FromResult("taken"), TestContext.Current.CancellationToken);

        Assert.Equal("taken", answer);
        Assert.Equal(3, calls);
    }

    [Fact]
    public async Task A_failure_of_the_call_itself_reaches_the_caller_after_one_try()
    {
        var pipeline = UnavailableRetry.Within(TimeSpan.FromSeconds(30), Tick, Tick, NoWorkerFailures.IsUnavailable);
        var calls = 0;

        await Assert.ThrowsAsync<RunNotFoundException>(async () => await pipeline.ExecuteAsync<string>(_ =>
        {
            calls++;
            throw new RunNotFoundException("run-1");
        }, TestContext.Current.CancellationToken));

        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task A_call_that_meets_no_worker_past_the_limit_gives_up_with_a_timeout()
    {
        var pipeline = UnavailableRetry.Within(TimeSpan.FromMilliseconds(200), Tick, TimeSpan.FromMilliseconds(20), NoWorkerFailures.IsUnavailable);
        var calls = 0;

        await Assert.ThrowsAsync<TimeoutRejectedException>(async () => await pipeline.ExecuteAsync<string>(_ =>
        {
            calls++;
            throw new SiloUnavailableException("gone");
        }, TestContext.Current.CancellationToken));

        Assert.True(calls > 1);
    }

    [Fact]
    public async Task The_callers_cancellation_stops_the_retrying_at_once()
    {
        var pipeline = UnavailableRetry.Within(TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1), NoWorkerFailures.IsUnavailable);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await pipeline.ExecuteAsync<string>(
            _ => throw new SiloUnavailableException("gone"), cancel.Token));
    }
}
