namespace OrleansAgents.Following.Tests;

/// <summary>A <see cref="LiveEventBuffer"/> that counts renewals and can be completed, as a leaving follower does.</summary>
internal sealed class TestBuffer(int capacity, bool readerInline = false) : LiveEventBuffer(capacity, readerInline)
{
    public int Renewals { get; private set; }

    public override void Renew() => Renewals++;

    public void Leave() => Complete();
}
