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
    /// <summary>
    /// One shared <see cref="NpgsqlDataSource"/> (<c>ConnectionStrings:Postgres</c>), the journal's servers
    /// (<see cref="RunDataSources"/>: <c>ConnectionStrings:JournalShards:N</c>, none by default), <see cref="JournalStore"/>
    /// and the schema migrator.
    /// </summary>
    public static IServiceCollection AddOrleansAgentsDatabase(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = WithoutSessionReset(GetConnectionString(configuration));
        var shards = GetJournalShards(configuration).Select(WithoutSessionReset).ToList();
        services.TryAddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        services.TryAddSingleton(sp => new RunDataSources(sp.GetRequiredService<NpgsqlDataSource>(), [.. shards.Select(NpgsqlDataSource.Create)]));
        services.TryAddSingleton<JournalStore>();
        services.TryAddSingleton<SchemaMigrator>();
        return services;
    }

    /// <summary>
    /// No <c>DISCARD ALL</c> each time a pooled connection goes back (Npgsql's default): nothing here leaves session
    /// state behind (the migrator's advisory lock is released in its <c>finally</c>), and on the journal's path the
    /// reset was one extra statement per group commit (6,210 in one E1, bench/README.md). The Orleans providers' connection
    /// string sets the same; a PgBouncer in transaction mode wants it too.
    /// </summary>
    public static string WithoutSessionReset(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { NoResetOnClose = true }.ConnectionString;

    /// <summary><c>ConnectionStrings:JournalShards:0..N-1</c> in order; empty when the journal is in the cluster's database.</summary>
    public static IReadOnlyList<string> GetJournalShards(IConfiguration configuration)
    {
        var section = configuration.GetSection($"ConnectionStrings:{JournalShardsName}").GetChildren().ToList();
        var shards = new List<string>();
        for (var i = 0; i < section.Count; i++)
        {
            shards.Add(section.FirstOrDefault(c => c.Key == i.ToString(System.Globalization.CultureInfo.InvariantCulture))?.Value is { Length: > 0 } value
                ? value
                : throw new OptionsValidationException(JournalShardsName, typeof(string),
                    [$"ConnectionStrings:{JournalShardsName} must be numbered 0..{section.Count - 1} with no gap; {i} is missing."]));
        }

        return shards;
    }

    /// <summary>The connection-string list of the journal's servers.</summary>
    public const string JournalShardsName = "JournalShards";

    /// <summary><c>ConnectionStrings:Postgres</c>, or a clear error naming the environment variable that sets it.</summary>
    public static string GetConnectionString(IConfiguration configuration) =>
        configuration.GetConnectionString(OrleansAgentsNames.ConnectionStringName) is { Length: > 0 } value
            ? value
            : throw new OptionsValidationException(
                OrleansAgentsNames.ConnectionStringName, typeof(string),
                ["ConnectionStrings:Postgres is required (environment variable ConnectionStrings__Postgres)."]);
}
