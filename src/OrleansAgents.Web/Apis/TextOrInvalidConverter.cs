using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansAgents.Web.Apis;

/// <summary>
/// A request field's string; any other JSON value but <c>null</c> reads as the empty string, which the field's own
/// check refuses (given, but not valid), where <c>null</c> stays absent.
/// </summary>
public sealed class TextOrInvalidConverter : JsonConverter<string>
{
    public override string Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.GetString()!;
        }

        reader.Skip();
        return "";
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}
