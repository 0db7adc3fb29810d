namespace OrleansAgents.Runs.Retention;

/// <summary>Retention's side door into a run: implemented by the run grain, called by <see cref="RetentionService"/> only.</summary>
[Alias("OrleansAgents.IRunRetentionGrain")]
public interface IRunRetentionGrain : IGrainWithStringKey
{
    /// <summary>Removes the run whole if it ended before <paramref name="endedBefore"/>; true when nothing of it is left.</summary>
    [Alias("Expire")]
    Task<bool> ExpireAsync(DateTimeOffset endedBefore);
}
