using System.ComponentModel.DataAnnotations;

namespace OrleansAgents.Hosting;

/// <summary>Where a silo sits in the cluster. Section <c>Cluster</c>.</summary>
public sealed class ClusterHostOptions
{
    public const string SectionName = "Cluster";

    /// <summary>Silos and clients with the same cluster ID form one cluster.</summary>
    [Required]
    public string ClusterId { get; set; } = "orleans-agents";

    /// <summary>Stable across deployments: grain state and reminders are keyed by it.</summary>
    [Required]
    public string ServiceId { get; set; } = "orleans-agents";

    /// <summary>This silo's name in membership and logs (defaults to the machine name and port).</summary>
    public string? SiloName { get; set; }

    /// <summary>
    /// The address other silos reach this one at. Empty: this host's first non-loopback IPv4 address
    /// (containers). Under Kubernetes the pod IP is used.
    /// </summary>
    public string? AdvertisedIP { get; set; } = "127.0.0.1";

    /// <summary>Silo-to-silo port.</summary>
    [Range(1, 65535)]
    public int SiloPort { get; set; } = 11111;

    /// <summary>Client gateway port; 0 for none.</summary>
    [Range(0, 65535)]
    public int GatewayPort { get; set; } = 30000;

    /// <summary>Listen on all interfaces (containers) rather than the advertised address only.</summary>
    public bool ListenOnAnyHostAddress { get; set; }
}
