using Microsoft.Extensions.Options;

namespace OrleansAgents.Runs;

/// <summary>Validates <c>OrleansAgents:Runs</c> and its quotas at start (source-generated from the attributes on <see cref="RunOptions"/>; every error names its setting).</summary>
[OptionsValidator]
internal sealed partial class RunOptionsValidator : IValidateOptions<RunOptions>;
