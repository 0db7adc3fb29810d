using System.Text.Json.Serialization;

namespace OrleansAgents.Runs.Engine;

/// <summary>The data of a <c>step.delta</c> event: <c>{ step, text }</c>.</summary>
internal sealed record TextDelta(int Step, string Text);

/// <summary>Source-generated JSON for <see cref="TextDelta"/>.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(TextDelta))]
internal sealed partial class TextDeltaJson : JsonSerializerContext;
