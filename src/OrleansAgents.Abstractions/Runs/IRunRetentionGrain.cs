namespace OrleansAgents.Runs.Retention;

/// <summary>Removal of a run: implemented by the run grain, called by retention (<c>RetentionService</c>) and by <c>DELETE /v1/responses/{id}</c>.</summary>
[Alias("OrleansAgents.IRunRetentionGrain")]
public interface IRunRetentionGrain : IGrainWithStringKey
{
    /// <summary>Removes the run whole if it ended before <paramref name="endedBefore"/>; true when nothing of it is left.</summary>
    [Alias("Expire")]
    Task<bool> ExpireAsync(DateTimeOffset endedBefore);
}
