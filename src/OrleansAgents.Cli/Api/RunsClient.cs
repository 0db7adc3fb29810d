using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OrleansAgents.Cli.Api;

/// <summary>The front end's runs API over HTTP; every failure becomes a <see cref="CliException"/> with its exit code.</summary>
public sealed class RunsClient : IDisposable
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(60);

    /// <summary>How long a call answered 503 (no worker available) keeps being sent again before the CLI gives up.</summary>
    private static readonly TimeSpan UnavailableRetryLimit = TimeSpan.FromSeconds(60);
    private readonly HttpClient _http;

    public RunsClient(Connection connection)
    {
        BaseAddress = connection.BaseAddress;
        _http = new HttpClient { BaseAddress = connection.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", connection.ApiKey);
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("oagents", "1.0"));
    }

    public Uri BaseAddress { get; }

    public Task<ApiResponse> StartAsync(string agent, string inputJson, string? runId, string? idempotencyKey, CancellationToken cancellationToken)
    {
        // The input was checked to be JSON when it was read (InputJson).
        var body = new JsonObject { ["agent"] = agent, ["input"] = JsonNode.Parse(inputJson) };
        if (runId is not null)
        {
            body["runId"] = runId;
        }

        var request = new HttpRequestMessage(HttpMethod.Post, "api/runs") { Content = JsonContent.Create(body) };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return SendAsync(request, cancellationToken);
    }

    public Task<ApiResponse> GetAsync(string runId, CancellationToken cancellationToken) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Get, RunPath(runId)), cancellationToken);

    public Task<ApiResponse> ListAsync(string? status, string? agent, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        var query = new List<string>();
        void Add(string name, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                query.Add($"{name}={Uri.EscapeDataString(value)}");
            }
        }

        Add("status", status);
        Add("agent", agent);
        Add("limit", limit?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Add("cursor", cursor);
        var path = query.Count == 0 ? "api/runs" : "api/runs?" + string.Join('&', query);
        return SendAsync(new HttpRequestMessage(HttpMethod.Get, path), cancellationToken);
    }

    public Task<ApiResponse> CancelAsync(string runId, CancellationToken cancellationToken) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Post, RunPath(runId) + "/cancel"), cancellationToken);

    /// <summary>POST /api/runs/{id}/input with <c>{ kind, field: value }</c>.</summary>
    public Task<ApiResponse> InputAsync(string runId, string kind, string? field, string? value, long? requestSeq, CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["kind"] = kind };
        if (field is not null && value is not null)
        {
            body[field] = value;
        }

        if (requestSeq is { } seq)
        {
            body["requestSeq"] = seq; // the question answered: the server refuses the answer if the run asks another now
        }

        // One key for the command: the server applies it once, whichever of its tries gets through.
        var request = new HttpRequestMessage(HttpMethod.Post, RunPath(runId) + "/input") { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
        return SendAsync(request, cancellationToken);
    }

    /// <summary>
    /// The run's Server-Sent Events after <paramref name="afterSeq"/>: each event's JSON, until the server ends the
    /// stream (after the run's terminal event) or the connection breaks (<see cref="IOException"/> or
    /// <see cref="HttpRequestException"/>).
    /// </summary>
    public async IAsyncEnumerable<string> StreamEventsAsync(string runId, long afterSeq, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var path = $"{RunPath(runId)}/events/stream?after={afterSeq.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        // Without it the server cannot answer errors (404, 401) as problem details and sends a bare 500.
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/problem+json"));
        using var response = await SendForHeadersAsync(request, cancellationToken);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);

        // The id and event fields carry nothing the event's JSON does not.
        await foreach (var item in SseParser.Create(stream).EnumerateAsync(cancellationToken))
        {
            yield return item.Data;
        }
    }

    private static string RunPath(string runId) => "api/runs/" + Uri.EscapeDataString(runId);

    private async Task<ApiResponse> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using (request)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(RequestTimeout);
            using var response = await SendForHeadersAsync(request, timeout.Token, cancellationToken);
            var raw = await response.Content.ReadAsStringAsync(timeout.Token);
            try
            {
                using var doc = JsonDocument.Parse(raw);
                return new ApiResponse(raw, doc.RootElement.Clone());
            }
            catch (JsonException)
            {
                throw new CliException(ExitCodes.Unavailable, $"{BaseAddress} answered {(int)response.StatusCode} with a body that is not JSON.");
            }
        }
    }

    private Task<HttpResponseMessage> SendForHeadersAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        SendForHeadersAsync(request, cancellationToken, cancellationToken);

    /// <summary>
    /// Sends and checks the status; <paramref name="caller"/> tells a Ctrl+C from a timeout. A 503 (no worker can
    /// take the call: a deploy, a restart) is sent again after its <c>Retry-After</c>, for up to
    /// <see cref="UnavailableRetryLimit"/>: the same request, so a command's idempotency key goes with it.
    /// </summary>
    private async Task<HttpResponseMessage> SendForHeadersAsync(HttpRequestMessage request, CancellationToken cancellationToken, CancellationToken caller)
    {
        var content = request.Content is null ? null : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        var waited = TimeSpan.Zero;
        while (true)
        {
            var response = await SendOnceAsync(request, cancellationToken, caller);
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable || waited >= UnavailableRetryLimit)
            {
                return await CheckAsync(response, cancellationToken);
            }

            var delay = response.Headers.RetryAfter?.Delta is { } after && after > TimeSpan.Zero ? Min(after, TimeSpan.FromSeconds(10)) : TimeSpan.FromSeconds(2);
            response.Dispose();
            await Task.Delay(delay, cancellationToken);
            waited += delay;
            request = Copy(request, content);
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static HttpRequestMessage Copy(HttpRequestMessage request, byte[]? content)
    {
        var copy = new HttpRequestMessage(request.Method, request.RequestUri);
        foreach (var (name, values) in request.Headers)
        {
            copy.Headers.TryAddWithoutValidation(name, values);
        }

        if (content is not null)
        {
            copy.Content = new ByteArrayContent(content);
            foreach (var (name, values) in request.Content!.Headers)
            {
                copy.Content.Headers.TryAddWithoutValidation(name, values);
            }
        }

        return copy;
    }

    private async Task<HttpResponseMessage> SendOnceAsync(HttpRequestMessage request, CancellationToken cancellationToken, CancellationToken caller)
    {
        try
        {
            return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new CliException(ExitCodes.Unavailable, $"cannot reach {BaseAddress}: {ex.Message}");
        }
        catch (OperationCanceledException) when (!caller.IsCancellationRequested)
        {
            throw new CliException(ExitCodes.Unavailable, $"{BaseAddress} did not answer within {RequestTimeout.TotalSeconds:0} s.");
        }
    }

    private static async Task<HttpResponseMessage> CheckAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            var body = await ReadBodySafelyAsync(response, cancellationToken);
            throw ToError(response.StatusCode, body);
        }
    }

    private static async Task<string> ReadBodySafelyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadAsStringAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            return "";
        }
    }

    /// <summary>An error status as an exit code and one line: the problem's title and detail.</summary>
    public static CliException ToError(HttpStatusCode status, string body)
    {
        var code = (int)status switch
        {
            400 or 413 or 415 or 422 => ExitCodes.Usage,
            404 => ExitCodes.NotFound,
            401 or 403 => ExitCodes.Unauthorized,
            409 => ExitCodes.Conflict,
            _ => ExitCodes.Unavailable,
        };
        string? title = null;
        string? detail = null;
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object)
            {
                title = doc.RootElement.TryGetProperty("title", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
                detail = doc.RootElement.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
            }
        }
        catch (JsonException)
        {
        }

        title ??= $"HTTP {(int)status} {status}";
        var message = detail is { Length: > 0 } ? $"{title}: {detail}" : title;
        return new CliException(code, message.ReplaceLineEndings(" "));
    }

    public void Dispose() => _http.Dispose();
}
