using Microsoft.Extensions.Options;

namespace OrleansAgents.Journal;

/// <summary>Validates <c>OrleansAgents:Journal</c> at start (source-generated from the attributes on <see cref="JournalOptions"/>; every error names its setting).</summary>
[OptionsValidator]
internal sealed partial class JournalOptionsValidator : IValidateOptions<JournalOptions>;
