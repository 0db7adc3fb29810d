using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using System.Text;

namespace OrleansAgents.Telemetry;

/// <summary>
/// OrleansAgents' traces and metrics. A run is one trace: its trace ID is derived from the run ID, so the
/// spans of every activation (start, resumes on other silos) share it; each step is a span.
/// </summary>
public static class AgentsTelemetry
{
    public const string Name = "OrleansAgents";

    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    public static readonly UpDownCounter<long> ActiveRuns =
        Meter.CreateUpDownCounter<long>("orleans_agents.runs.active", "{run}", "Runs whose step loop runs on this silo.");

    public static readonly Counter<long> Steps =
        Meter.CreateCounter<long>("orleans_agents.steps.committed", "{step}", "Steps committed to the journal.");

    public static readonly Histogram<double> StepDuration =
        Meter.CreateHistogram<double>("orleans_agents.step.duration", "ms", "Step body time, excluding the commit.");

    public static readonly Histogram<double> CommitDuration =
        Meter.CreateHistogram<double>("orleans_agents.journal.commit.duration", "ms", "Time from queuing a run's commit to its acknowledgement.");

    public static readonly Histogram<long> BatchSize =
        Meter.CreateHistogram<long>("orleans_agents.journal.batch.size", "{commit}", "Run commits sharing one group-commit statement.");

    public static readonly Counter<long> Recoveries =
        Meter.CreateCounter<long>("orleans_agents.runs.resumed", "{run}", "Activations that resumed an unfinished run.");

    public static readonly UpDownCounter<long> StreamSubscribers =
        Meter.CreateUpDownCounter<long>("orleans_agents.stream.subscribers", "{client}", "Clients following runs live on this front end.");

    public static readonly Histogram<double> EventArrival =
        Meter.CreateHistogram<double>("orleans_agents.events.arrival", "ms", "From a commit's timestamp to its events' arrival at a front end that observes the run.");

    public static readonly Histogram<double> EventLag =
        Meter.CreateHistogram<double>("orleans_agents.events.lag", "ms", "From an event's commit timestamp to its hand-off to a client.");

    /// <summary>The run's trace: a deterministic trace ID and root span ID from the run ID.</summary>
    public static ActivityContext RunContext(string runId)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(runId), hash);
        return new ActivityContext(
            ActivityTraceId.CreateFromBytes(hash[..16]), ActivitySpanId.CreateFromBytes(hash[16..24]), ActivityTraceFlags.Recorded, isRemote: true);
    }
}
