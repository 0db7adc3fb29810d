namespace OrleansAgents.Runs.Core;

/// <summary>How a run ended, from its terminal event.</summary>
/// <param name="Status">Succeeded, Failed or Cancelled.</param>
/// <param name="Output">A succeeded run's output as JSON text.</param>
/// <param name="Error">Why a run failed or was cancelled.</param>
/// <param name="Steps">Committed steps when it ended.</param>
internal sealed record RunOutcome(RunStatus Status, string? Output, string? Error, int Steps);
