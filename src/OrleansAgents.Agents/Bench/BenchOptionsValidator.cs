using Microsoft.Extensions.Options;

namespace OrleansAgents.Agents.Bench;

/// <summary>Validates <c>OrleansAgents:Agents:Bench</c> at start (source-generated from the attributes on <see cref="BenchOptions"/>; every error names its setting).</summary>
[OptionsValidator]
internal sealed partial class BenchOptionsValidator : IValidateOptions<BenchOptions>;
