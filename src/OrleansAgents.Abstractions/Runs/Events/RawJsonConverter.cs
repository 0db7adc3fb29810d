using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansAgents.Runs.Events;

/// <summary>Writes a <see cref="RawJson"/> through as it is; reads a JSON value's text as it was sent.</summary>
public sealed class RawJsonConverter : JsonConverter<RawJson>
{
    public override RawJson Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var value = JsonDocument.ParseValue(ref reader);
        return new RawJson(value.RootElement.GetRawText());
    }

    public override void Write(Utf8JsonWriter writer, RawJson value, JsonSerializerOptions options) =>
        writer.WriteRawValue(value.Text);
}
