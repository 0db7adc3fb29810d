using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OrleansAgents.Database;

namespace OrleansAgents.Silo;

/// <summary>
/// <c>OrleansAgents.Silo migrate [--connection "Host=...;Username=...;Database=..."]</c>: applies the schema
/// to the given database (or to <c>ConnectionStrings:Postgres</c> from the environment). Idempotent.
/// </summary>
internal static class MigrateCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var connectionString = args is ["--connection", var value, ..] ? value
            : Environment.GetEnvironmentVariable("ConnectionStrings__Postgres");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            await Console.Error.WriteLineAsync("usage: OrleansAgents.Silo migrate --connection \"<PostgreSQL connection string>\" (or set ConnectionStrings__Postgres)");
            return 2;
        }

        try
        {
            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            var migrator = new SchemaMigrator(dataSource, NullLogger<SchemaMigrator>.Instance);
            var applied = await migrator.ApplyAsync();
            var current = await migrator.GetCurrentVersionAsync();
            Console.WriteLine(applied.Count == 0
                ? $"Schema is up to date at version {current}."
                : $"Applied schema versions {string.Join(", ", applied)}; now at version {current}.");
            return 0;
        }
        catch (Exception ex) when (ex is NpgsqlException or ArgumentException)
        {
            await Console.Error.WriteLineAsync($"Schema migration failed: {ex.Message}");
            return 1;
        }
    }
}
