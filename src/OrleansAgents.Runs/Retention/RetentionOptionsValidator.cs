using Microsoft.Extensions.Options;

namespace OrleansAgents.Runs.Retention;

/// <summary>Validates <c>OrleansAgents:Retention</c> at start (source-generated from the attributes on <see cref="RetentionOptions"/>; every error names its setting).</summary>
[OptionsValidator]
internal sealed partial class RetentionOptionsValidator : IValidateOptions<RetentionOptions>;
