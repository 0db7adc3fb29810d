using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace OrleansAgents.Web.Tests;

/// <summary>
/// Request bodies of the runs API: the problem a body that is not JSON, not the request's shape or not valid
/// gets (status, title and detail), that a run's input is kept byte for byte, and that no body, however broken,
/// gets a 5xx.
/// </summary>
public sealed class RequestBodyTests(FrontEndFixture fixture)
{
    private static readonly string DeepInput = "{\"agent\":\"bench\",\"input\":" + new string('[', 70) + new string(']', 70) + "}";

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>
    /// Captured from the API as it was when it probed bodies with <see cref="JsonDocument"/>; <c>{id}</c> is a
    /// finished run's ID. The parser's own messages are part of it: a body that is not JSON shows where.
    /// </summary>
    public static TheoryData<string, string, int, string, string> BadBodies => new()
    {
        { "start", "", 400, "Malformed JSON", "The input does not contain any JSON tokens. Expected the input to start with a valid JSON token, when isFinalBlock is true. LineNumber: 0 | BytePositionInLine: 0." },
        { "start", "{not json", 400, "Malformed JSON", "'n' is an invalid start of a property name. Expected a '\"'. LineNumber: 0 | BytePositionInLine: 1." },
        { "start", "{\"agent\":", 400, "Malformed JSON", "Expected depth to be zero at the end of the JSON payload. There is an open JSON object or array that should be closed. LineNumber: 0 | BytePositionInLine: 9." },
        { "start", "[1,2", 400, "Malformed JSON", "'2' is an invalid end of a number. Expected a delimiter. LineNumber: 0 | BytePositionInLine: 4." },
        { "start", "[1,2]", 400, "Invalid run request", "The body must be a JSON object: { \"agent\": \"...\", \"input\": {...}, \"runId\"?: \"...\" }." },
        { "start", "null", 400, "Invalid run request", "The body must be a JSON object: { \"agent\": \"...\", \"input\": {...}, \"runId\"?: \"...\" }." },
        { "start", "\"text\"", 400, "Invalid run request", "The body must be a JSON object: { \"agent\": \"...\", \"input\": {...}, \"runId\"?: \"...\" }." },
        { "start", "{}", 400, "Invalid run request", "'agent' is required and must be a non-empty string." },
        { "start", "{\"agent\":5}", 400, "Invalid run request", "'agent' is required and must be a non-empty string." },
        { "start", "{\"agent\":\"\"}", 400, "Invalid run request", "'agent' is required and must be a non-empty string." },
        { "start", "{\"Agent\":\"bench\"}", 400, "Invalid run request", "'agent' is required and must be a non-empty string." },
        { "start", "{\"agent\":\"bench\",\"runId\":42}", 400, "Invalid run ID", "'runId' must be 1-128 characters of letters, digits, '.', '_', ':' or '-', starting with a letter or digit." },
        { "start", "{\"agent\":\"bench\",\"runId\":\"\"}", 400, "Invalid run ID", "'runId' must be 1-128 characters of letters, digits, '.', '_', ':' or '-', starting with a letter or digit." },
        { "start", "{\"agent\":\"bench\",\"runId\":\"has spaces\"}", 400, "Invalid run ID", "'runId' must be 1-128 characters of letters, digits, '.', '_', ':' or '-', starting with a letter or digit." },
        { "start", "{\"agent\":\"bench\",\"runId\":{}}", 400, "Invalid run ID", "'runId' must be 1-128 characters of letters, digits, '.', '_', ':' or '-', starting with a letter or digit." },
        { "start", DeepInput, 400, "Malformed JSON", "The maximum configured depth of 64 has been exceeded. Cannot read next JSON array. LineNumber: 0 | BytePositionInLine: 88." },
        { "start", "{\"agent\":\"bench\",\"input\":{\"a\":1,}}", 400, "Malformed JSON", "The JSON object contains a trailing comma at the end which is not supported in this mode. Change the reader options. LineNumber: 0 | BytePositionInLine: 32." },
        { "start", "{\"agent\":\"bench\"} trailing", 400, "Malformed JSON", "'t' is invalid after a single JSON value. Expected end of data. LineNumber: 0 | BytePositionInLine: 18." },
        { "start", "{\"agent\":\"no-such-agent\",\"input\":{}}", 400, "Invalid run request", "Unknown agent 'no-such-agent'. Known agents: bench, document-analyst, voice-agent-builder." },
        { "input", "", 400, "Malformed JSON", "The input does not contain any JSON tokens. Expected the input to start with a valid JSON token, when isFinalBlock is true. LineNumber: 0 | BytePositionInLine: 0." },
        { "input", "{not json", 400, "Malformed JSON", "'n' is an invalid start of a property name. Expected a '\"'. LineNumber: 0 | BytePositionInLine: 1." },
        { "input", "[]", 400, "Invalid input", "'kind' must be 'approve', 'reject' or 'message'." },
        { "input", "null", 400, "Invalid input", "'kind' must be 'approve', 'reject' or 'message'." },
        { "input", "\"approve\"", 400, "Invalid input", "'kind' must be 'approve', 'reject' or 'message'." },
        { "input", "{}", 400, "Invalid input", "'kind' must be 'approve', 'reject' or 'message'." },
        { "input", "{\"kind\":5}", 400, "Invalid input", "'kind' must be 'approve', 'reject' or 'message'." },
        { "input", "{\"kind\":\"dance\"}", 400, "Invalid input", "'kind' must be 'approve', 'reject' or 'message'." },
        { "input", "{\"Kind\":\"approve\"}", 400, "Invalid input", "'kind' must be 'approve', 'reject' or 'message'." },
        { "input", "{\"kind\":\"message\"}", 400, "Invalid input", "'message' must be a non-empty string of at most 16384 characters." },
        { "input", "{\"kind\":\"message\",\"message\":5}", 400, "Invalid input", "'message' must be a non-empty string of at most 16384 characters." },
        { "input", "{\"kind\":\"message\",\"message\":\"\"}", 400, "Invalid input", "'message' must be a non-empty string of at most 16384 characters." },
        { "input", "{\"kind\":\"approve\",\"comment\":5}", 409, "Not possible in the run's state", "Run '{id}' is succeeded, not waiting for input." },
        { "input", "{\"kind\":\"reject\",\"reason\":[\"x\"]}", 409, "Not possible in the run's state", "Run '{id}' is succeeded, not waiting for input." },
        { "input", "{\"kind\":\"approve\"}", 409, "Not possible in the run's state", "Run '{id}' is succeeded, not waiting for input." },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task ABadBody_GetsTheProblemItAlwaysGot(string endpoint, string body, int status, string title, string detail)
    {
        using var http = fixture.Client("dev-user-1");
        var id = endpoint == "input" ? await FinishedRunAsync(http) : "";

        using var response = await http.PostAsync(endpoint == "input" ? $"/api/runs/{id}/input" : "/api/runs", Json(body));

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.Equal(title, problem.GetProperty("title").GetString());
        Assert.Equal(detail.Replace("{id}", id, StringComparison.Ordinal), problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task ARunsInput_IsKeptAsSent_WhitespaceIncluded_AndANullInputReachesTheAgentAsNull()
    {
        using var http = fixture.Client("dev-user-1");
        var id = $"body-{Guid.NewGuid():N}";

        using var start = await http.PostAsync("/api/runs", Json($$$"""{ "runId" : "{{{id}}}", "Agent":"x", "agent" : "bench", "input" : { "steps" : 0, "pad" : [1.50, "\u00e9"] }, "extra": {} }"""));
        using var nullInput = await http.PostAsync("/api/runs", Json("""{"agent":"bench","input":null}"""));

        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        var events = await http.GetStringAsync($"/api/runs/{id}/events?after=0&limit=1");
        Assert.Contains(""""input":{ "steps" : 0, "pad" : [1.50, "\u00e9"] },"activation"""", events, StringComparison.Ordinal);

        // Not replaced by {} (which the bench agent takes): the agent is given null, and refuses it.
        Assert.Equal(HttpStatusCode.BadRequest, nullInput.StatusCode);
        var problem = await nullInput.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("The bench agent takes an object: { \"steps\": N, \"stepMs\": M, \"bytes\": B }.", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task ThousandsOfBrokenInputBodies_GetA4xxProblem_NeverA5xx()
    {
        using var http = fixture.Client("dev-user-1");
        var id = await FinishedRunAsync(http);
        var failures = new List<string>();
        foreach (var body in BrokenBodies.Generate(seed: 17, count: 3_000))
        {
            using var response = await http.PostAsync($"/api/runs/{id}/input", Json(body));
            var status = (int)response.StatusCode;
            if (status >= 500 || response.Content.Headers.ContentType?.MediaType != "application/problem+json")
            {
                failures.Add($"{status} for {body}");
            }
        }

        Assert.Empty(failures);
    }

    /// <summary>One finished run for the class (tests in it run one at a time): starts count toward the owner's rate limit.</summary>
    private static string? _finished;

    private static async Task<string> FinishedRunAsync(HttpClient http)
    {
        if (_finished is { } finished)
        {
            return finished;
        }

        var id = $"body-{Guid.NewGuid():N}";
        using (var start = await http.PostAsync("/api/runs", Json($$$"""{"agent":"bench","runId":"{{{id}}}","input":{"steps":0}}""")))
        {
            Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        }

        await ApiRuns.WaitForEndAsync(http, id);
        return _finished = id;
    }
}
