using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace OrleansAgents.Database;

/// <summary>
/// Applies the versioned schema under <c>deploy/postgres/migrations</c> (embedded in this assembly).
/// Each file <c>NNNN_name.sql</c> is one version, applied once, in its own transaction, under an
/// advisory lock so concurrent appliers queue up. A second apply changes nothing; a file whose text
/// changed after it was applied is reported, never re-run.
/// </summary>
public sealed partial class SchemaMigrator(NpgsqlDataSource dataSource, ILogger<SchemaMigrator> logger)
{
    private const long AdvisoryLockKey = 0x4f72_6c41_6765_6e74; // "OrlAgent"

    /// <summary>The migrations shipped with this build, in version order.</summary>
    public static IReadOnlyList<Migration> Migrations { get; } = LoadMigrations();

    /// <summary>The newest schema version this build knows.</summary>
    public static int LatestVersion => Migrations[^1].Version;

    /// <summary>Applies every migration not yet applied. Returns the versions applied now.</summary>
    public async Task<IReadOnlyList<int>> ApplyAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var create = new NpgsqlCommand(
            """
            CREATE TABLE IF NOT EXISTS oa_schema_migrations (
                version    integer     NOT NULL PRIMARY KEY,
                name       text        NOT NULL,
                checksum   text        NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now())
            """, connection))
        {
            // Two appliers racing on CREATE TABLE IF NOT EXISTS can still collide; the lock below serialises the rest.
            await using var lockCmd = new NpgsqlCommand($"SELECT pg_advisory_lock({AdvisoryLockKey})", connection);
            await lockCmd.ExecuteNonQueryAsync(cancellationToken);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        var applied = new List<int>();
        try
        {
            var existing = new Dictionary<int, string>();
            await using (var read = new NpgsqlCommand("SELECT version, checksum FROM oa_schema_migrations", connection))
            await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    existing[reader.GetInt32(0)] = reader.GetString(1);
                }
            }

            foreach (var migration in Migrations)
            {
                if (existing.TryGetValue(migration.Version, out var checksum))
                {
                    if (checksum != migration.Checksum)
                    {
                        Log.ChecksumMismatch(logger, migration.Version, migration.Name);
                    }

                    continue;
                }

                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await using (var apply = new NpgsqlCommand(migration.Sql, connection, transaction))
                {
                    await apply.ExecuteNonQueryAsync(cancellationToken);
                }

                await using (var record = new NpgsqlCommand(
                    "INSERT INTO oa_schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", connection, transaction))
                {
                    record.Parameters.AddWithValue(migration.Version);
                    record.Parameters.AddWithValue(migration.Name);
                    record.Parameters.AddWithValue(migration.Checksum);
                    await record.ExecuteNonQueryAsync(cancellationToken);
                }

                await transaction.CommitAsync(cancellationToken);
                applied.Add(migration.Version);
                Log.Applied(logger, migration.Version, migration.Name);
            }
        }
        finally
        {
            await using var unlock = new NpgsqlCommand($"SELECT pg_advisory_unlock({AdvisoryLockKey})", connection);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }

        return applied;
    }

    /// <summary>The highest applied version, or 0 when the schema was never applied.</summary>
    public async Task<int> GetCurrentVersionAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT coalesce((SELECT max(version) FROM oa_schema_migrations), 0) WHERE to_regclass('oa_schema_migrations') IS NOT NULL");
        var value = await command.ExecuteScalarAsync(cancellationToken);
        return value is int version ? version : 0;
    }

    private static List<Migration> LoadMigrations()
    {
        var assembly = typeof(SchemaMigrator).Assembly;
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith("migrations/", StringComparison.Ordinal))
            {
                continue;
            }

            var name = resource["migrations/".Length..^".sql".Length];
            var version = int.Parse(name.AsSpan(0, name.IndexOf('_', StringComparison.Ordinal)), System.Globalization.CultureInfo.InvariantCulture);
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            var sql = reader.ReadToEnd();
            var checksum = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql.ReplaceLineEndings("\n"))));
            migrations.Add(new Migration(version, name, sql, checksum));
        }

        migrations.Sort((a, b) => a.Version.CompareTo(b.Version));
        return migrations;
    }
}

/// <summary>One schema version.</summary>
public sealed record Migration(int Version, string Name, string Sql, string Checksum);
