using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace OrleansAgents.Testing.Soak;

/// <summary>
/// The soak's HTTP client, as a careful client behaves: a call the front end could not take (it is down,
/// answered 503, or 429 for too many starts) is sent again, with the same idempotency key, until it is
/// answered. Every answer is counted; a 5xx other than 503 with Retry-After is a broken promise.
/// </summary>
public sealed class SoakHttp(SoakOptions options, SoakRecord record) : IDisposable
{
    private static readonly TimeSpan GiveUp = TimeSpan.FromMinutes(2);

    private readonly HttpClient _http = new() { BaseAddress = options.FrontEnd, Timeout = TimeSpan.FromSeconds(60) };

    public Uri BaseAddress => options.FrontEnd;

    /// <summary>Sends until answered (not 503 or 429, not unreachable) or two minutes pass; null when never answered.</summary>
    public async Task<SoakAnswer?> SendAsync(
        string apiKey, HttpMethod method, string path, string? body = null, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        var deadline = DateTimeOffset.UtcNow + GiveUp;
        while (DateTimeOffset.UtcNow < deadline && !cancellationToken.IsCancellationRequested)
        {
            using var request = new HttpRequestMessage(method, path);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
            if (body is not null)
            {
                request.Content = new StringContent(body, Encoding.UTF8, "application/json");
            }

            if (idempotencyKey is not null)
            {
                request.Headers.Add("Idempotency-Key", idempotencyKey);
            }

            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, cancellationToken);
            }
            catch (Exception ex) when ((ex is HttpRequestException or TaskCanceledException) && !cancellationToken.IsCancellationRequested)
            {
                record.CouldNotConnect(); // the front end is down (a fault), or the answer was lost: send again
                await Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
                continue;
            }

            using (response)
            {
                var status = (int)response.StatusCode;
                var text = await ReadAsync(response, cancellationToken);
                if (text is null)
                {
                    record.CouldNotConnect(); // cut off mid-answer
                    await Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
                    continue;
                }

                record.Answered(status);
                if (status is 503 or 429)
                {
                    if (status == 503 && response.Headers.RetryAfter?.Delta is null)
                    {
                        record.Violation("503 without Retry-After", $"{method} {path}");
                    }

                    await Delay(TimeSpan.FromSeconds(1), cancellationToken);
                    continue;
                }

                if (status >= 500)
                {
                    record.Violation("http 5xx", $"{status} for {method} {path}: {text[..Math.Min(300, text.Length)]}");
                }

                return new SoakAnswer(status, Parse(text));
            }
        }

        return null;
    }

    public void Dispose() => _http.Dispose();

    private static async Task<string?> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadAsStringAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    private static async Task Delay(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static JsonElement Parse(string text)
    {
        try
        {
            return string.IsNullOrWhiteSpace(text) ? default : JsonDocument.Parse(text).RootElement.Clone();
        }
        catch (JsonException)
        {
            return default;
        }
    }
}
