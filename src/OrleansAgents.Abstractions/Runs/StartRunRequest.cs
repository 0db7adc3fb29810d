namespace OrleansAgents.Runs;

/// <summary>What a caller asks for when starting a run.</summary>
/// <param name="Agent">The registered agent's name, e.g. <c>bench</c>.</param>
/// <param name="Input">The agent's input as JSON text.</param>
/// <param name="Owner">Who owns the run; owners see only their own runs.</param>
/// <param name="Parent">The run that starts this one as its child (set by runs, never by API callers).</param>
[GenerateSerializer, Immutable, Alias("OrleansAgents.StartRunRequest")]
public sealed record StartRunRequest(
    [property: Id(0)] string Agent,
    [property: Id(1)] string Input,
    [property: Id(2)] string Owner,
    [property: Id(3)] ParentRun? Parent = null);
