using System.Text.Json.Serialization;

namespace OrleansAgents.Web.Apis;

/// <summary>
/// The runs API's request bodies, source-generated: camel-case names matched case-sensitively, no comments or
/// trailing commas, depth 64 (what <see cref="System.Text.Json.JsonDocument"/> allowed before).
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(StartRunBody))]
[JsonSerializable(typeof(RunInputBody))]
internal sealed partial class RequestBodyJsonContext : JsonSerializerContext;
