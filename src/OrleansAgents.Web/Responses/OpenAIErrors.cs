using System.Text.Json.Nodes;

namespace OrleansAgents.Web.Responses;

/// <summary>The OpenAI error shape, for everything under <c>/v1</c>: the SDKs read <c>error.message</c>, <c>type</c>, <c>param</c> and <c>code</c>.</summary>
public static class OpenAIErrors
{
    public const string PathPrefix = "/v1";

    public static bool IsOpenAIPath(HttpContext context) => context.Request.Path.StartsWithSegments(PathPrefix);

    public static JsonObject Body(int status, string message, string? param, string? code) => new()
    {
        ["error"] = new JsonObject
        {
            ["message"] = message,
            ["type"] = status switch
            {
                401 => "invalid_request_error",
                403 => "permission_error",
                429 => "rate_limit_error",
                >= 500 => "server_error",
                _ => "invalid_request_error",
            },
            ["param"] = param,
            ["code"] = code ?? status switch
            {
                401 => "invalid_api_key",
                404 => "not_found",
                429 => "rate_limit_exceeded",
                503 => "service_unavailable",
                _ => null,
            },
        },
    };

    public static IResult Result(int status, string message, string? param = null, string? code = null) =>
        Results.Json(Body(status, message, param, code), statusCode: status);

    public static Task WriteAsync(HttpContext context, int status, string message, string? param = null, string? code = null)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(Body(status, message, param, code), context.RequestAborted);
    }
}
