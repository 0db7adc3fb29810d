using Microsoft.Extensions.Options;

namespace OrleansAgents.Client;

/// <summary>Validates <c>OrleansAgents:Client</c> at start (source-generated from the attributes on <see cref="AgentsClientOptions"/>; every error names its setting).</summary>
[OptionsValidator]
internal sealed partial class AgentsClientOptionsValidator : IValidateOptions<AgentsClientOptions>;
