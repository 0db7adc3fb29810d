using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using OrleansAgents.Web.Apis;

namespace OrleansAgents.Web.Tests;

/// <summary>Request bodies read into their records, without a cluster.</summary>
public sealed class RequestBodyReadingTests
{
    private static HttpRequest Request(string body) => new DefaultHttpContext { Request = { Body = new MemoryStream(Encoding.UTF8.GetBytes(body)) } }.Request;

    [Fact]
    public async Task ThousandsOfBrokenStartBodies_ReadAsARecord_OrAsJsonThatIsNotJson_NeverAnotherException()
    {
        var others = new List<string>();
        foreach (var body in BrokenBodies.Generate(seed: 42, count: 3_000))
        {
            try
            {
                await RequestBodies.ReadAsync(Request(body), RequestBodyJsonContext.Default.StartRunBody);
                await RequestBodies.ReadAsync(Request(body), RequestBodyJsonContext.Default.RunInputBody);
            }
            catch (JsonException)
            {
                // "Malformed JSON", 400.
            }
            catch (Exception ex)
            {
                others.Add($"{ex.GetType().Name} for {body}");
            }
        }

        Assert.Empty(others);
    }

    [Fact]
    public async Task AStartBody_KeepsItsInputAsSent_AndReadsFieldsOfAnotherTypeAsAbsentOrInvalid()
    {
        var body = await RequestBodies.ReadAsync(
            Request("""{"agent":5,"runId":[1],"input": { "a" : [1.50] } ,"extra":{}}"""), RequestBodyJsonContext.Default.StartRunBody);
        var bare = await RequestBodies.ReadAsync(Request("""{"agent":"bench","runId":null,"input":null}"""), RequestBodyJsonContext.Default.StartRunBody);
        var none = await RequestBodies.ReadAsync(Request("""{"agent":"bench"}"""), RequestBodyJsonContext.Default.StartRunBody);

        Assert.Equal(new StartRunBody(null, new("""{ "a" : [1.50] }"""), ""), body);
        Assert.Equal(new StartRunBody("bench", new("null"), null), bare);
        Assert.Null(none!.Input.Text);
    }
}
