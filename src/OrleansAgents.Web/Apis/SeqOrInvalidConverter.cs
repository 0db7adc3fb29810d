using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansAgents.Web.Apis;

/// <summary>
/// A request field's sequence number: an integer from 1 reads as itself; any other JSON value but <c>null</c> reads as 0,
/// which the field's own check refuses (given, but not valid), where <c>null</c> stays absent.
/// </summary>
public sealed class SeqOrInvalidConverter : JsonConverter<long?>
{
    public override long? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var seq) && seq >= 1)
        {
            return seq;
        }

        reader.Skip();
        return 0;
    }

    public override void Write(Utf8JsonWriter writer, long? value, JsonSerializerOptions options)
    {
        if (value is { } seq)
        {
            writer.WriteNumberValue(seq);
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}
