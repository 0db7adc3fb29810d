using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansAgents.Web.Apis;

/// <summary>A request field's string; any other JSON value reads as absent (null), so the field's own check answers it.</summary>
public sealed class TextOrNullConverter : JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.GetString();
        }

        reader.Skip();
        return null;
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}
