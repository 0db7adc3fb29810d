namespace OrleansAgents.Web;

/// <summary>The front end's log messages, one place, each with its event ID (20xx) and the run where there is one.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "503 for {Path}: no worker or no PostgreSQL could take the call ({Type}: {Reason})")]
    public static partial void NoWorker(ILogger logger, string path, string type, string reason);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Error, Message = "500 for {Path} (trace {TraceId}), answered in the OpenAI error shape")]
    public static partial void OpenAIFault(ILogger logger, string path, string traceId, Exception exception);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Debug, Message = "Run {RunId} watch renewal failed (followers read the journal meanwhile): {Reason}")]
    public static partial void WatchFailed(ILogger logger, string runId, string reason);

    [LoggerMessage(EventId = 2012, Level = LogLevel.Debug, Message = "Run {RunId} live unsubscribe failed: {Reason}")]
    public static partial void UnsubscribeFailed(ILogger logger, string runId, string reason);

    [LoggerMessage(EventId = 2013, Level = LogLevel.Debug, Message = "Run {RunId} journal check of a quiet run failed (tried again at the next interval): {Reason}")]
    public static partial void QuietCheckFailed(ILogger logger, string runId, string reason);

    [LoggerMessage(EventId = 2020, Level = LogLevel.Information, Message = "Removed {Count} stream PubSub rows of finished runs")]
    public static partial void PubSubCleaned(ILogger logger, int count);

    [LoggerMessage(EventId = 2021, Level = LogLevel.Warning, Message = "Housekeeping failed; trying again later: {Reason}")]
    public static partial void HousekeepingFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "Response {ResponseId} of run {RunId} was accepted; answering it as it stands: {Reason}")]
    public static partial void AnsweredAsItStands(ILogger logger, string responseId, string runId, string reason);
}
