using OrleansAgents.Testing;

namespace OrleansAgents.Runtime.Tests;

public sealed class TestPortsTests
{
    [Fact]
    public void The_harness_never_hands_out_the_same_port_twice()
    {
        // Binding to port 0 again and again repeats ports: of 1,000 such draws here, 69-74 repeated an earlier one.
        // One repeat gave a front end the same port for its HTTP endpoint and its silo.
        var ports = Enumerable.Range(0, 1000).Select(_ => TestPorts.Next()).ToList();

        Assert.Equal(ports.Count, ports.Distinct().Count());
    }
}
