using System.Text;
using OrleansAgents.Runs;
using OrleansAgents.Web.Apis;

namespace OrleansAgents.Web.Tests;

/// <summary>
/// The event shape every API shows (docs/EVENTS.md), without a cluster: the envelope's fields in order, and the
/// stored payload written through byte for byte.
/// </summary>
public sealed class RunJsonTests
{
    private static readonly DateTimeOffset At = new DateTimeOffset(2026, 11, 26, 17, 0, 0, TimeSpan.Zero).AddTicks(1_234_560);

    [Fact]
    public void AnEvent_IsTheEnvelopeAroundItsStoredPayload_ByteForByte()
    {
        var e = new RunEvent("r-1", 7, RunEventTypes.StepCompleted, At, """{ "step" : 0,"result":"\u00e9 é" }""");

        Assert.Equal(
            """{"runId":"r-1","seq":7,"type":"step.completed","at":"2026-11-26T17:00:00.123456+00:00","data":{ "step" : 0,"result":"\u00e9 é" }}""",
            RunJson.Event(e));
    }

    [Fact]
    public void AnEventsUtf8_IsItsJsonOnce_ForEveryClient()
    {
        var e = new RunEvent("r-1", 1, "run.started", new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.FromHours(-5)), "{}");

        var first = RunJson.EventUtf8(e);

        Assert.Equal("""{"runId":"r-1","seq":1,"type":"run.started","at":"2026-01-02T03:04:05-05:00","data":{}}""", Encoding.UTF8.GetString(first));
        Assert.Same(first, RunJson.EventUtf8(e));
    }
}
