using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;
using OrleansAgents.Database;

namespace OrleansAgents.Journal;

/// <summary>Registration of the database every process of the cluster reads: one data source, the journal's reads, the migrator.</summary>
public static class JournalServiceCollectionExtensions
{
    /// <summary>One shared <see cref="NpgsqlDataSource"/> (<c>ConnectionStrings:Postgres</c>), <see cref="JournalStore"/> and the schema migrator.</summary>
    public static IServiceCollection AddOrleansAgentsDatabase(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = GetConnectionString(configuration);
        services.TryAddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        services.TryAddSingleton<JournalStore>();
        services.TryAddSingleton<SchemaMigrator>();
        return services;
    }

    /// <summary><c>ConnectionStrings:Postgres</c>, or a clear error naming the environment variable that sets it.</summary>
    public static string GetConnectionString(IConfiguration configuration) =>
        configuration.GetConnectionString(OrleansAgentsNames.ConnectionStringName) is { Length: > 0 } value
            ? value
            : throw new OptionsValidationException(
                OrleansAgentsNames.ConnectionStringName, typeof(string),
                ["ConnectionStrings:Postgres is required (environment variable ConnectionStrings__Postgres)."]);
}
