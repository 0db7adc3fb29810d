using Polly;
using Polly.Retry;
using Polly.Timeout;
using OrleansAgents.Agents;

namespace OrleansAgents.Runs.Engine;

/// <summary>
/// Runs a step body under a per-attempt timeout, retrying transient failures with exponential backoff and
/// jitter (Polly). Every failed attempt is recorded before the next one starts, so a restart does not reset
/// the count; a tool whose effect must not repeat is never retried blindly.
/// </summary>
internal sealed class StepExecutor(RunOptions options, TimeProvider time, Random? jitter = null)
{
    /// <param name="agent">The run's agent.</param>
    /// <param name="context">The step and the run as the agent sees them.</param>
    /// <param name="policy">The step's policy.</param>
    /// <param name="failedAttempts">Failed attempts committed so far (read again after each retry is recorded).</param>
    /// <param name="recordRetry">Commits a failed attempt (attempt number, error, backoff); false: the step is no longer pending here.</param>
    /// <param name="stillPending">Whether the step is still the run's pending step as this activation knows it: checked before every attempt.</param>
    /// <param name="cancellationToken">Cancelled when the run is cancelled or the activation goes away.</param>
    /// <param name="forAttempt">The context of each attempt (its own text sink), from the step's.</param>
    public async Task<StepResult> ExecuteAsync(
        IAgent agent,
        StepContext context,
        StepPolicy policy,
        Func<int> failedAttempts,
        Func<int, string, TimeSpan, Task<bool>> recordRetry,
        Func<bool> stillPending,
        CancellationToken cancellationToken,
        Func<StepContext, StepContext>? forAttempt = null)
    {
        var pipeline = Build(agent, policy, failedAttempts, recordRetry);
        var started = time.GetTimestamp();

        // Polly continues on the captured context, so the step body and the retry's commit run as turns of the
        // activation, never on a thread-pool thread touching its state.
        var resilience = ResilienceContextPool.Shared.Get(continueOnCapturedContext: true, cancellationToken);
        try
        {
            // Between attempts (a backoff) this activation may learn that another committed the step: then no
            // further attempt starts.
            var output = await pipeline.ExecuteAsync(
                static async (resilience, state) => state.StillPending()
                    ? await state.Agent.ExecuteStepAsync(state.ForAttempt is null ? state.Context : state.ForAttempt(state.Context), resilience.CancellationToken)
                    : throw new StepAbandonedException(),
                resilience,
                (Agent: agent, Context: context, StillPending: stillPending, ForAttempt: forAttempt));
            return new StepResult.Succeeded(output, time.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return new StepResult.Stopped();
        }
        catch (StepAbandonedException)
        {
            return new StepResult.Abandoned();
        }
        catch (Exception ex) when (policy.SideEffects && !policy.Idempotent && agent.IsTransient(ex))
        {
            // It may have taken effect before failing (a lost reply, a timeout after the write): ask, never guess.
            return new StepResult.OutcomeUnknown(ex);
        }
        catch (Exception ex)
        {
            var attempts = failedAttempts() + 1;
            var what = ex is TimeoutRejectedException ? $"timed out after {(policy.Timeout ?? options.StepTimeout).TotalSeconds:0.###} s" : ex.Message;
            var step = context.Step;
            return new StepResult.Failed($"Step {step.Index} ({step.Name}) failed{(attempts > 1 ? $" after {attempts} attempts" : "")}: {what}", ex);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(resilience);
        }
    }

    private ResiliencePipeline<StepOutput> Build(IAgent agent, StepPolicy policy, Func<int> failedAttempts, Func<int, string, TimeSpan, Task<bool>> recordRetry)
    {
        // A step cut off by a crash records no attempt, so idempotent steps may run more often than MaxAttempts.
        var remainingRetries = policy.SideEffects && !policy.Idempotent
            ? 0
            : (policy.MaxAttempts ?? options.MaxAttempts) - 1 - failedAttempts();
        var builder = new ResiliencePipelineBuilder<StepOutput> { TimeProvider = time };
        if (remainingRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<StepOutput>
            {
                MaxRetryAttempts = remainingRetries,
                ShouldHandle = new PredicateBuilder<StepOutput>().Handle<Exception>(agent.IsTransient),
                // The delay follows the committed attempt count, not this activation's.
                DelayGenerator = _ => ValueTask.FromResult<TimeSpan?>(TransientFailures.Backoff(failedAttempts(), options.RetryBaseDelay, options.RetryMaxDelay, jitter)),
                OnRetry = async args =>
                {
                    var error = args.Outcome.Exception?.Message ?? "failed";
                    if (!await recordRetry(failedAttempts() + 1, error, args.RetryDelay))
                    {
                        throw new StepAbandonedException();
                    }
                },
            });
        }

        builder.AddTimeout(policy.Timeout ?? options.StepTimeout);
        return builder.Build();
    }

    /// <summary>Thrown from a retry that could not be recorded: the step is no longer this activation's to run.</summary>
    private sealed class StepAbandonedException : Exception;
}
