using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace OrleansAgents.Web.Infrastructure;

/// <summary>Ready when this silo is an active cluster member and PostgreSQL answers.</summary>
public sealed class ClusterReadyCheck(IClusterMembershipService membership, ILocalSiloDetails silo, NpgsqlDataSource dataSource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (membership.CurrentSnapshot.GetSiloStatus(silo.SiloAddress) != SiloStatus.Active)
        {
            return HealthCheckResult.Unhealthy("This silo is not an active cluster member yet.");
        }

        try
        {
            await using var command = dataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (NpgsqlException ex)
        {
            return HealthCheckResult.Unhealthy("PostgreSQL is unreachable.", ex);
        }
    }
}
