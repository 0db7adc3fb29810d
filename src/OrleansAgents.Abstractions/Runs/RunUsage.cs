namespace OrleansAgents.Runs;

/// <summary>Model token usage of a step or a whole run.</summary>
[GenerateSerializer, Immutable, Alias("OrleansAgents.RunUsage")]
public sealed record RunUsage(
    [property: Id(0)] long InputTokens,
    [property: Id(1)] long OutputTokens,
    [property: Id(2)] long TotalTokens)
{
    public static readonly RunUsage Zero = new(0, 0, 0);

    public RunUsage Add(RunUsage? other) => other is null
        ? this
        : new(InputTokens + other.InputTokens, OutputTokens + other.OutputTokens, TotalTokens + other.TotalTokens);
}
