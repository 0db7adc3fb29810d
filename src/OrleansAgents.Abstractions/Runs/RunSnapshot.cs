namespace OrleansAgents.Runs;

/// <summary>A point-in-time view of a run.</summary>
[GenerateSerializer, Immutable, Alias("OrleansAgents.RunSnapshot")]
public sealed record RunSnapshot
{
    [Id(0)] public required string RunId { get; init; }
    [Id(1)] public required string Agent { get; init; }
    [Id(2)] public required string Owner { get; init; }
    [Id(3)] public required RunStatus Status { get; init; }
    [Id(4)] public required DateTimeOffset CreatedAt { get; init; }
    [Id(5)] public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>The sequence number of the last committed event.</summary>
    [Id(6)] public long LastSeq { get; init; }

    /// <summary>Number of committed steps.</summary>
    [Id(7)] public int Steps { get; init; }

    /// <summary>The final output as JSON text, once succeeded.</summary>
    [Id(8)] public string? Result { get; init; }

    /// <summary>Why the run failed or was cancelled.</summary>
    [Id(9)] public string? Error { get; init; }

    /// <summary>The agent definition's version the run started with.</summary>
    [Id(10)] public string? AgentVersion { get; init; }

    /// <summary>Model tokens used by the run's committed steps.</summary>
    [Id(11)] public RunUsage? Usage { get; init; }

    /// <summary>What the run waits for, while <see cref="RunStatus.WaitingForInput"/>.</summary>
    [Id(12)] public InputRequest? WaitingFor { get; init; }

    /// <summary>
    /// The agent version the run waits for a silo to host (its agent pins versions and a deploy removed it),
    /// with the time it fails if none comes back.
    /// </summary>
    [Id(13)] public VersionWait? WaitingForVersion { get; init; }

    /// <summary>The run that started this one, for a child run.</summary>
    [Id(14)] public ParentRun? Parent { get; init; }

    /// <summary>The child runs this run started, in the order started (empty for a run with none, or one known from its last event only).</summary>
    [Id(15)] public IReadOnlyList<ChildRunInfo> Children { get; init; } = [];

    /// <summary>While the run sleeps on a durable timer: when it wakes.</summary>
    [Id(16)] public DateTimeOffset? SleepingUntil { get; init; }

    /// <summary>
    /// The seq of the <c>input.requested</c> event that asked <see cref="WaitingFor"/>: an answer that names it is applied
    /// to that question only (<see cref="IAgentRunGrain.ApproveAsync(string?, string?, long?)"/>). Null from a worker of an
    /// older build.
    /// </summary>
    [Id(17)] public long? WaitingForSeq { get; init; }
}
