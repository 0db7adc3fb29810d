namespace OrleansAgents.Web.Responses;

/// <summary>
/// A request to <c>/v1</c> the caller got wrong, answered in the OpenAI error shape
/// <c>{ "error": { "message", "type", "param", "code" } }</c> with a 4xx status.
/// </summary>
public sealed class OpenAIErrorException(int status, string message, string? param = null, string? code = null) : Exception(message)
{
    public int Status { get; } = status;

    public string? Param { get; } = param;

    public string? Code { get; } = code;
}
