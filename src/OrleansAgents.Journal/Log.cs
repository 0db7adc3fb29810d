using Microsoft.Extensions.Logging;

namespace OrleansAgents.Database;

/// <summary>The journal project's log messages, one place, each with its event ID (30xx).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Applied schema version {Version} ({Name})")]
    public static partial void Applied(ILogger logger, int version, string name);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Schema version {Version} ({Name}) was applied from a different text; it is not re-applied")]
    public static partial void ChecksumMismatch(ILogger logger, int version, string name);
}
