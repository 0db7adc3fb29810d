using Microsoft.Extensions.Options;

namespace OrleansAgents.Models;

/// <summary>Validates <c>OrleansAgents:Model</c> at start (source-generated from the attributes on <see cref="ModelOptions"/>; every error names its setting).</summary>
[OptionsValidator]
internal sealed partial class ModelOptionsValidator : IValidateOptions<ModelOptions>;
