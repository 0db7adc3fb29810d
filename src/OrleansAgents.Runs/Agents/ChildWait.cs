namespace OrleansAgents.Agents;

/// <summary>What a step that starts or waits for child runs waits for.</summary>
public enum ChildWait
{
    /// <summary>Every child has ended.</summary>
    All,

    /// <summary>The first child to end (the others go on; a later step may wait for them).</summary>
    Any,

    /// <summary>Nothing: the step completes once the children are started.</summary>
    None,
}
