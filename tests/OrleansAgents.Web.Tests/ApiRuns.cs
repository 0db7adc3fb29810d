using System.Net.Http.Json;
using System.Text.Json;

namespace OrleansAgents.Web.Tests;

/// <summary>What tests do with runs over the HTTP API more than once.</summary>
internal static class ApiRuns
{
    /// <summary>Polls <c>GET /api/runs/{id}</c> until the run has ended (60 s at most).</summary>
    public static async Task<JsonElement> WaitForEndAsync(HttpClient http, string id)
    {
        for (var i = 0; i < 600; i++)
        {
            var run = await http.GetFromJsonAsync<JsonElement>($"/api/runs/{id}");
            if (run.GetProperty("status").GetString() is "succeeded" or "failed" or "cancelled")
            {
                return run;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"run {id} did not finish");
    }
}
