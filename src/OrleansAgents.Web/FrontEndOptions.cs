using System.ComponentModel.DataAnnotations;

namespace OrleansAgents.Web;

/// <summary>Limits and policies of the front end. Section <c>FrontEnd</c>.</summary>
public sealed class FrontEndOptions
{
    public const string SectionName = "FrontEnd";

    /// <summary>Largest request body accepted, in bytes.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Largest run input accepted, in bytes of JSON.</summary>
    [Range(2, 16 * 1024 * 1024)]
    public int MaxInputBytes { get; set; } = 64 * 1024;

    /// <summary>Runs one owner may start per minute.</summary>
    [Range(1, 1_000_000)]
    public int RunsPerOwnerPerMinute { get; set; } = 600;

    /// <summary>Live streams (SSE or WebSocket) one owner may hold open at once.</summary>
    [Range(1, 100_000)]
    public int MaxStreamsPerOwner { get; set; } = 2000;

    /// <summary>
    /// How long an API request keeps retrying a call no worker could take (a rolling deploy, workers starting)
    /// before it answers 503 with Retry-After.
    /// </summary>
    public TimeSpan NoWorkerRetryLimit { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Origins allowed to open WebSockets (any when empty; requests without Origin are not browsers).</summary>
    public string[] AllowedOrigins { get; set; } = [];

    /// <summary>Live events buffered per client before it is switched to catch-up reads.</summary>
    [Range(16, 100_000)]
    public int ClientBufferEvents { get; set; } = 512;

    /// <summary>With no live event for this long, a follower checks the journal (streams may lose messages).</summary>
    public TimeSpan IdleJournalCheck { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often housekeeping runs.</summary>
    public TimeSpan HousekeepingPeriod { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long after a run ends its stream PubSub state is removed.</summary>
    public TimeSpan StreamStateGrace { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a stream token (<c>POST /api/runs/{id}/stream-token</c>) opens its run's stream.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan StreamTokenLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Where the Data Protection keys that sign stream tokens are kept. Unset: ASP.NET Core's default for the user
    /// (fine for front ends on one machine); front ends on several machines share a directory here.
    /// </summary>
    public string? DataProtectionKeysPath { get; set; }

    /// <summary>
    /// How long <c>POST /v1/responses</c> without <c>background</c> waits for the response's end before answering it
    /// as it stands (<c>in_progress</c>; the run goes on, poll it). Below the SDKs' own timeouts (.NET: 100 s), which
    /// would resend the request and start a second run.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ResponseWaitLimit { get; set; } = TimeSpan.FromSeconds(90);
}
