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

    /// <summary>
    /// The request's run was accepted: should it still answer 409 or 5xx, the answer carries <c>x-should-retry: false</c>,
    /// which the Node and Python SDKs obey (they resend 409 and 5xx otherwise, with no idempotency key: a second run).
    /// </summary>
    public static void NoRetryOnceAccepted(HttpContext context) =>
        context.Response.OnStarting(
            static state =>
            {
                var response = (HttpResponse)state;
                if (response.StatusCode is StatusCodes.Status409Conflict or >= 500)
                {
                    response.Headers["x-should-retry"] = "false";
                }

                return Task.CompletedTask;
            },
            context.Response);

    public static IResult Result(int status, string message, string? param = null, string? code = null) =>
        Results.Json(Body(status, message, param, code), statusCode: status);

    public static Task WriteAsync(HttpContext context, int status, string message, string? param = null, string? code = null)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(Body(status, message, param, code), context.RequestAborted);
    }
}
