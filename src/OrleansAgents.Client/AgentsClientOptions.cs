using System.ComponentModel.DataAnnotations;

namespace OrleansAgents.Client;

/// <summary>How an internal service reaches the cluster. Section <c>OrleansAgents:Client</c>.</summary>
public sealed class AgentsClientOptions
{
    public const string SectionName = "OrleansAgents:Client";

    /// <summary>The cluster's PostgreSQL (membership gives the gateways). Falls back to <c>ConnectionStrings:Postgres</c>.</summary>
    [Required(ErrorMessage = "OrleansAgents:Client:ConnectionString (or ConnectionStrings:Postgres) is required.")]
    public string? ConnectionString { get; set; }

    /// <summary>The journal's servers when it is spread over several (<c>RunDataSources</c>); falls back to <c>ConnectionStrings:JournalShards</c>.</summary>
    public List<string> JournalShards { get; set; } = [];

    [Required(ErrorMessage = "OrleansAgents:Client:ClusterId is required.")]
    public string ClusterId { get; set; } = "orleans-agents";

    [Required(ErrorMessage = "OrleansAgents:Client:ServiceId is required.")]
    public string ServiceId { get; set; } = "orleans-agents";

    /// <summary>
    /// How long a call keeps being sent again while no worker can take it (a deploy, a restart), before the
    /// error reaches the caller.
    /// </summary>
    public TimeSpan RetryLimit { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Owner recorded on runs this service starts.</summary>
    [Required(ErrorMessage = "OrleansAgents:Client:Owner is required.")]
    public string Owner { get; set; } = "internal";
}
