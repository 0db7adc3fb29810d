using Microsoft.Extensions.Options;

namespace OrleansAgents.Web;

/// <summary>Validates <c>FrontEnd</c> at start (source-generated from the attributes on <see cref="FrontEndOptions"/>; every error names its setting).</summary>
[OptionsValidator]
internal sealed partial class FrontEndOptionsValidator : IValidateOptions<FrontEndOptions>;
