using OrleansAgents.Runs;

namespace OrleansAgents.Journal;

/// <summary>The text form of <see cref="RunStatus"/> in the runs table.</summary>
public static class RunStatusNames
{
    public static string ToDb(RunStatus status) => status switch
    {
        RunStatus.Pending => "pending",
        RunStatus.Running => "running",
        RunStatus.WaitingForInput => "waiting_for_input",
        RunStatus.Succeeded => "succeeded",
        RunStatus.Failed => "failed",
        RunStatus.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "No runs-table form."),
    };

    public static RunStatus FromDb(string text) => text switch
    {
        "pending" => RunStatus.Pending,
        "running" => RunStatus.Running,
        "waiting_for_input" => RunStatus.WaitingForInput,
        "succeeded" => RunStatus.Succeeded,
        "failed" => RunStatus.Failed,
        "cancelled" => RunStatus.Cancelled,
        _ => throw new ArgumentOutOfRangeException(nameof(text), text, "Unknown run status."),
    };
}
