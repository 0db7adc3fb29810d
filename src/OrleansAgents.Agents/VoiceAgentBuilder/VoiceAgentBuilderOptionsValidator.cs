using Microsoft.Extensions.Options;

namespace OrleansAgents.Agents.VoiceAgentBuilder;

/// <summary>Validates <c>OrleansAgents:Agents:VoiceAgentBuilder</c> at start (source-generated from the attributes on <see cref="VoiceAgentBuilderOptions"/>; every error names its setting).</summary>
[OptionsValidator]
internal sealed partial class VoiceAgentBuilderOptionsValidator : IValidateOptions<VoiceAgentBuilderOptions>;
