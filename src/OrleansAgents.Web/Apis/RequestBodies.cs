using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace OrleansAgents.Web.Apis;

/// <summary>Reads a request body into its record.</summary>
internal static class RequestBodies
{
    /// <summary>
    /// The body as <typeparamref name="T"/>; null when it is JSON but not an object (<c>null</c>, an array, a
    /// string, a number). A body that is not JSON throws the parser's <see cref="JsonException"/>, which the
    /// exception handler answers as "Malformed JSON".
    /// </summary>
    public static async Task<T?> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> info)
        where T : class
    {
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, request.HttpContext.RequestAborted);
        var json = body.GetBuffer().AsMemory(0, (int)body.Length);
        try
        {
            return JsonSerializer.Deserialize(json.Span, info);
        }
        catch (JsonException)
        {
            // The fields convert leniently, so the serializer refuses only a body that is not JSON or not an
            // object; it stops at the first token that is not '{'. Parsed whole, a body that is not JSON throws
            // the parser's own error, as a client was always shown (the serializer's adds its path).
            using (JsonDocument.Parse(json))
            {
                return null;
            }
        }
    }
}
