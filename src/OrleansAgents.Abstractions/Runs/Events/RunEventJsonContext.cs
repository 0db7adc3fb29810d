using System.Text.Json.Serialization;

namespace OrleansAgents.Runs.Events;

/// <summary>
/// The JSON of run events (docs/EVENTS.md), source-generated: payloads as the journal stores them and the
/// envelope every API shows. Camel-case names in declaration order, optional fields left out when null, raw
/// JSON written through as it is (<see cref="RawJson"/>), the default encoder (non-ASCII escaped) and no
/// indentation: the bytes <see cref="System.Text.Json.Utf8JsonWriter"/> wrote before these records existed.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(RunEventEnvelope))]
[JsonSerializable(typeof(RunStartedData))]
[JsonSerializable(typeof(RunUpgradedData))]
[JsonSerializable(typeof(RunPinnedData))]
[JsonSerializable(typeof(RunResumedData))]
[JsonSerializable(typeof(StepStartedData))]
[JsonSerializable(typeof(StepDeltaData))]
[JsonSerializable(typeof(ToolIntentData))]
[JsonSerializable(typeof(StepRetryingData))]
[JsonSerializable(typeof(InputRequestedData))]
[JsonSerializable(typeof(InputApprovedData))]
[JsonSerializable(typeof(InputRejectedData))]
[JsonSerializable(typeof(InputMessageData))]
[JsonSerializable(typeof(StepCompletedData))]
[JsonSerializable(typeof(TimerStartedData))]
[JsonSerializable(typeof(TimerFiredData))]
[JsonSerializable(typeof(ChildStartedData))]
[JsonSerializable(typeof(ChildFinishedData))]
[JsonSerializable(typeof(RunSucceededData))]
[JsonSerializable(typeof(RunFailedData))]
[JsonSerializable(typeof(RunCancelledData))]
public sealed partial class RunEventJsonContext : JsonSerializerContext;
