using System.Text;
using Microsoft.Extensions.Logging;
using OrleansAgents.Runs.Core;

namespace OrleansAgents.Runs.Engine;

/// <summary>
/// Coalesces a step's streamed model text into drafts: the pieces that arrive within
/// <see cref="RunOptions.DraftInterval"/> are committed as one <c>step.delta</c>. Each draft command carries
/// all the attempt has streamed so far, and the decider commits what the journal does not have yet: a draft
/// that failed is carried by the next, one that landed unacknowledged is not repeated, and one from an
/// attempt that has ended is stale. Text never waits on a commit: the model keeps streaming meanwhile.
/// </summary>
internal sealed class StepDrafts(Func<RunCommand.Draft, Task<CommitOutcome>> commit, TimeProvider time, TimeSpan interval, string runId, ILogger logger)
{
    private readonly StringBuilder _text = new();
    private int _step = -1;
    private long _from = -1;
    private bool _scheduled;

    /// <summary>A piece of text from the attempt of <paramref name="step"/> that began at seq <paramref name="from"/>.</summary>
    public void Append(int step, long from, string text)
    {
        if (step != _step || from != _from)
        {
            _text.Clear(); // a new step or attempt: its text starts anew
            _step = step;
            _from = from;
        }

        _text.Append(text);
        if (!_scheduled)
        {
            _scheduled = true;
            _ = FlushLaterAsync(step, from);
        }
    }

    private async Task FlushLaterAsync(int step, long from)
    {
        try
        {
            await Task.Delay(interval, time);
            _scheduled = false;
            if (step == _step && from == _from)
            {
                await commit(new RunCommand.Draft(step, from, _text.ToString()));
            }
        }
        catch (Exception ex)
        {
            // The next draft, or the step's result, carries the text: nothing is lost but a moment of liveness.
            _scheduled = false;
            Log.DraftNotCommitted(logger, runId, step, ex.Message);
        }
    }
}
