using System.Text.Json.Serialization;

namespace OrleansAgents.Runs.Events;

/// <summary>
/// A JSON value carried as its text and written through byte for byte (<c>WriteRawValue</c>): a run's input, a
/// step's args and result, a tool's arguments, a run's output. Read, it is the value's text exactly as sent,
/// whitespace included. A <see cref="System.Text.Json.JsonElement"/> would write it again in its own format.
/// </summary>
/// <param name="Text">The value's JSON text.</param>
[JsonConverter(typeof(RawJsonConverter))]
public readonly record struct RawJson(string Text)
{
    public override string ToString() => Text;
}
