namespace OrleansAgents.Runs;

/// <summary>What a run in <see cref="RunStatus.WaitingForInput"/> waits for.</summary>
/// <param name="Step">The step that waits.</param>
/// <param name="Kind"><see cref="InputRequestKinds.Approval"/> or <see cref="InputRequestKinds.OutcomeUnknown"/>.</param>
/// <param name="Tool">The tool the step calls.</param>
/// <param name="Arguments">The tool's arguments as JSON text.</param>
/// <param name="Question">What the person is asked, in words.</param>
[GenerateSerializer, Immutable, Alias("OrleansAgents.InputRequest")]
public sealed record InputRequest(
    [property: Id(0)] int Step,
    [property: Id(1)] string Kind,
    [property: Id(2)] string Tool,
    [property: Id(3)] string Arguments,
    [property: Id(4)] string Question);

/// <summary>Kinds of <see cref="InputRequest"/>.</summary>
public static class InputRequestKinds
{
    /// <summary>A tool that needs a person's approval before it runs.</summary>
    public const string Approval = "approval";

    /// <summary>
    /// A tool with side effects was cut off after it started and is not idempotent: approve runs it again,
    /// reject goes on without it.
    /// </summary>
    public const string OutcomeUnknown = "outcome-unknown";
}
