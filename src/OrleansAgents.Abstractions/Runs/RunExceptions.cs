namespace OrleansAgents.Runs;

/// <summary>A run ID is already taken by a different request.</summary>
[GenerateSerializer, Alias("OrleansAgents.RunConflictException")]
public sealed class RunConflictException : Exception
{
    public RunConflictException() { }
    public RunConflictException(string message) : base(message) { }
    public RunConflictException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A start request names an unknown agent or gives input the agent cannot accept.</summary>
[GenerateSerializer, Alias("OrleansAgents.InvalidRunRequestException")]
public sealed class InvalidRunRequestException : Exception
{
    public InvalidRunRequestException() { }
    public InvalidRunRequestException(string message) : base(message) { }
    public InvalidRunRequestException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>The run does not exist.</summary>
[GenerateSerializer, Alias("OrleansAgents.RunNotFoundException")]
public sealed class RunNotFoundException : Exception
{
    public RunNotFoundException() { }
    public RunNotFoundException(string message) : base(message) { }
    public RunNotFoundException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>
/// The activation that took the call has been superseded by a newer one of the same run (two were briefly
/// alive, as in a silo's shutdown): nothing was recorded; the same call, sent again, reaches the run.
/// </summary>
[GenerateSerializer, Alias("OrleansAgents.RunMovedException")]
public sealed class RunMovedException : Exception
{
    public RunMovedException() { }
    public RunMovedException(string message) : base(message) { }
    public RunMovedException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>The run cannot do this in its current state (e.g. approve when nothing waits for approval).</summary>
[GenerateSerializer, Alias("OrleansAgents.RunStateException")]
public sealed class RunStateException : Exception
{
    public RunStateException() { }
    public RunStateException(string message) : base(message) { }
    public RunStateException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A start refused by a quota (<c>OrleansAgents:Runs:Quotas</c>): the message names the limit and its value.</summary>
[GenerateSerializer, Alias("OrleansAgents.RunQuotaExceededException")]
public sealed class RunQuotaExceededException : Exception
{
    public RunQuotaExceededException() { }
    public RunQuotaExceededException(string message) : base(message) { }
    public RunQuotaExceededException(string message, Exception inner) : base(message, inner) { }
}
