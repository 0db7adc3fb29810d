using System.Text;
using Microsoft.Extensions.Logging;
using OrleansAgents.Runs.Core;

namespace OrleansAgents.Runs.Engine;

/// <summary>
/// Coalesces a step attempt's streamed model text into drafts: the pieces that arrive within
/// <see cref="RunOptions.DraftInterval"/> are committed as one <c>step.delta</c>. Each draft command carries
/// all the attempt has streamed so far, and the decider commits what the journal does not have yet: a draft
/// that failed is carried by the next, one that landed unacknowledged is not repeated, and one from an
/// attempt that has ended is stale. Text never waits on a commit: the model keeps streaming meanwhile.
/// </summary>
internal sealed class StepDrafts(Func<RunCommand.Draft, Task<CommitOutcome>> commit, TimeProvider time, TimeSpan interval, string runId, ILogger logger)
{
    private readonly StringBuilder _text = new();
    private int _attempt;
    private int _step;
    private long _from;
    private bool _scheduled;

    /// <summary>
    /// A new attempt of <paramref name="step"/>, which began after the journal's event <paramref name="from"/>
    /// (<see cref="RunState.DraftFrom"/>): its text sink. Text an earlier attempt sends late (one that ignored its
    /// timeout) is dropped. When the journal already holds drafts since <paramref name="from"/> (an attempt
    /// stopped with no event to end it), this attempt drafts nothing: its text arrives with its result.
    /// </summary>
    public Action<string> Begin(int step, long from, int draftedChars)
    {
        var attempt = ++_attempt;
        _text.Clear();
        _step = step;
        _from = from;
        return draftedChars > 0 ? static _ => { } : text => Append(attempt, text);
    }

    private void Append(int attempt, string text)
    {
        if (attempt != _attempt)
        {
            return;
        }

        _text.Append(text);
        if (!_scheduled)
        {
            _scheduled = true;
            _ = FlushLaterAsync(attempt);
        }
    }

    private async Task FlushLaterAsync(int attempt)
    {
        try
        {
            await Task.Delay(interval, time);
            _scheduled = false;
            if (attempt == _attempt)
            {
                await commit(new RunCommand.Draft(_step, _from, _text.ToString()));
            }
        }
        catch (Exception ex)
        {
            // The next draft, or the step's result, carries the text: nothing is lost but a moment of liveness.
            _scheduled = false;
            Log.DraftNotCommitted(logger, runId, _step, ex.Message);
        }
    }
}
