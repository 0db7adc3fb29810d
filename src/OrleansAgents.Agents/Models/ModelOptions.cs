using System.ComponentModel.DataAnnotations;

namespace OrleansAgents.Models;

/// <summary>
/// The model agents call. Section <c>OrleansAgents:Model</c>. With no <see cref="Endpoint"/> the built-in
/// offline model answers, so everything works with no network.
/// </summary>
public sealed class ModelOptions : IValidatableObject
{
    public const string SectionName = "OrleansAgents:Model";

    /// <summary>
    /// Base URL of an OpenAI-compatible API, e.g. <c>https://api.openai.com/v1</c>, an Azure OpenAI
    /// <c>.../openai/v1</c> endpoint, Ollama's <c>http://localhost:11434/v1</c>, vLLM. Empty: offline model.
    /// </summary>
    public string? Endpoint { get; set; }

    /// <summary>The API key (environment variable <c>OrleansAgents__Model__ApiKey</c>; never in files).</summary>
    public string? ApiKey { get; set; }

    /// <summary>The model name sent with each request.</summary>
    [Required(ErrorMessage = "OrleansAgents:Model:Name is required.")]
    public string Name { get; set; } = "gpt-4o-mini";

    /// <summary>How long one offline model call takes, spread over its streamed text.</summary>
    public TimeSpan OfflineLatency { get; set; } = TimeSpan.FromMilliseconds(600);

    /// <summary>
    /// A file the offline model appends a line to each time one of its calls is cancelled (the run cancelled, an
    /// attempt's timeout, the activation let go): the UTC time its cancellation token fired, the process and the call.
    /// For drills and tests that check an in-flight call is really cut; unset, nothing is written.
    /// </summary>
    public string? OfflineCancellationLog { get; set; }

    /// <summary>Whether calls go to <see cref="Endpoint"/> rather than the offline model.</summary>
    public bool IsOnline => !string.IsNullOrWhiteSpace(Endpoint);

    /// <summary>An endpoint, when set, is an absolute URL.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (IsOnline && !Uri.TryCreate(Endpoint, UriKind.Absolute, out _))
        {
            yield return new ValidationResult("OrleansAgents:Model:Endpoint must be an absolute URL.", [nameof(Endpoint)]);
        }
    }
}
