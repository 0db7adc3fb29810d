using OrleansAgents.Hosting;

namespace OrleansAgents.Web;

/// <summary>Limits and policies of the front end. Section <c>FrontEnd</c>.</summary>
public sealed class FrontEndOptions
{
    public const string SectionName = "FrontEnd";

    /// <summary>Largest request body accepted, in bytes.</summary>
    [SettingRange(1024, 64 * 1024 * 1024, ErrorMessage = "FrontEnd:MaxRequestBodyBytes must be from 1024 to 67108864.")]
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Largest run input accepted, in bytes of JSON.</summary>
    [SettingRange(2, 16 * 1024 * 1024, ErrorMessage = "FrontEnd:MaxInputBytes must be from 2 to 16777216.")]
    public int MaxInputBytes { get; set; } = 64 * 1024;

    /// <summary>Runs one owner may start per minute.</summary>
    [SettingRange(1, 1_000_000, ErrorMessage = "FrontEnd:RunsPerOwnerPerMinute must be from 1 to 1000000.")]
    public int RunsPerOwnerPerMinute { get; set; } = 600;

    /// <summary>Live streams (SSE or WebSocket) one owner may hold open at once.</summary>
    [SettingRange(1, 100_000, ErrorMessage = "FrontEnd:MaxStreamsPerOwner must be from 1 to 100000.")]
    public int MaxStreamsPerOwner { get; set; } = 2000;

    /// <summary>
    /// How long an API request keeps retrying a call no worker could take (a rolling deploy, workers starting)
    /// before it answers 503 with Retry-After.
    /// </summary>
    public TimeSpan NoWorkerRetryLimit { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Origins allowed to open WebSockets (any when empty; requests without Origin are not browsers).</summary>
    public string[] AllowedOrigins { get; set; } = [];

    /// <summary>Live events buffered per client before it is switched to catch-up reads.</summary>
    [SettingRange(16, 100_000, ErrorMessage = "FrontEnd:ClientBufferEvents must be from 16 to 100000.")]
    public int ClientBufferEvents { get; set; } = 512;

    /// <summary>
    /// With no live event for this long, the front end checks the journal for that run, once for all its followers
    /// (live delivery may lose a message); while checks find nothing the interval doubles, up to 30 s.
    /// </summary>
    public TimeSpan IdleJournalCheck { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// While a Server-Sent Events stream (<c>/api/runs/{id}/events/stream</c>, <c>/v1/responses</c>) has no event for
    /// this long, it sends a comment line (<c>: keep-alive</c>), which SSE parsers ignore: a quiet run (a durable timer,
    /// child runs, a long tool) would otherwise trip a client's read timeout (the OpenAI .NET SDK's is 100 s) or an
    /// idle proxy.
    /// </summary>
    [SettingRange(typeof(TimeSpan), "00:00:00.100", "00:10:00", ErrorMessage = "FrontEnd:SseKeepAlive must be from 00:00:00.100 to 00:10:00.")]
    public TimeSpan SseKeepAlive { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How often housekeeping runs.</summary>
    public TimeSpan HousekeepingPeriod { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long after a run ends its stream PubSub state is removed.</summary>
    public TimeSpan StreamStateGrace { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a stream token (<c>POST /api/runs/{id}/stream-token</c>) opens its run's stream.</summary>
    [SettingRange(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "FrontEnd:StreamTokenLifetime must be from 00:00:01 to 01:00:00.")]
    public TimeSpan StreamTokenLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Where the Data Protection keys that sign stream tokens are kept. Unset (the default): in the cluster's
    /// PostgreSQL (<c>oa_data_protection_keys</c>), shared by every front end, so a token one front end issued opens
    /// the stream on another. Set: a directory, which front ends on several machines must then share.
    /// </summary>
    public string? DataProtectionKeysPath { get; set; }

    /// <summary>
    /// How long <c>POST /v1/responses</c> without <c>background</c> waits for the response's end before answering it
    /// as it stands (<c>in_progress</c>; the run goes on, poll it). Below the SDKs' own timeouts (.NET: 100 s), which
    /// would resend the request and start a second run.
    /// </summary>
    [SettingRange(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "FrontEnd:ResponseWaitLimit must be from 00:00:01 to 01:00:00.")]
    public TimeSpan ResponseWaitLimit { get; set; } = TimeSpan.FromSeconds(90);
}
