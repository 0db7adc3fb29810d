using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OrleansAgents.Database;

namespace OrleansAgents.Runtime.Tests;

public sealed class SchemaMigratorTests(PostgresFixture postgres)
{
    [Fact]
    public async Task ApplyAsync_Twice_TheSecondApplyChangesNothing()
    {
        var name = $"oa_schema_{Guid.NewGuid():N}"[..24];
        var connectionString = await postgres.Server.CreateDatabaseAsync(name);
        try
        {
            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            var migrator = new SchemaMigrator(dataSource, NullLogger<SchemaMigrator>.Instance);

            var first = await migrator.ApplyAsync();
            var shapeAfterFirst = await DescribeAsync(dataSource);
            var second = await migrator.ApplyAsync();
            var shapeAfterSecond = await DescribeAsync(dataSource);

            Assert.Equal(SchemaMigrator.Migrations.Select(m => m.Version), first);
            Assert.Empty(second);
            Assert.Equal(shapeAfterFirst, shapeAfterSecond);
            Assert.Equal(SchemaMigrator.LatestVersion, await migrator.GetCurrentVersionAsync());
        }
        finally
        {
            await postgres.Server.DropDatabaseAsync(name);
        }
    }

    [Fact]
    public async Task ApplyAsync_ConcurrentAppliers_ApplyEachVersionOnce()
    {
        var name = $"oa_schema_{Guid.NewGuid():N}"[..24];
        var connectionString = await postgres.Server.CreateDatabaseAsync(name);
        try
        {
            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            var migrator = new SchemaMigrator(dataSource, NullLogger<SchemaMigrator>.Instance);

            var results = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => migrator.ApplyAsync()));

            Assert.Equal(SchemaMigrator.Migrations.Select(m => m.Version), results.SelectMany(r => r).Order());
        }
        finally
        {
            await postgres.Server.DropDatabaseAsync(name);
        }
    }

    [Fact]
    public void Migrations_RegisterEveryQueryKeyTheOrleansProvidersUse()
    {
        string[] keys =
        [
            "InsertMembershipVersionKey", "InsertMembershipKey", "UpdateMembershipKey", "UpdateIAmAlivetimeKey",
            "MembershipReadRowKey", "MembershipReadAllKey", "DeleteMembershipTableEntriesKey", "GatewaysQueryKey",
            "CleanupDefunctSiloEntriesKey", "ReadFromStorageKey", "WriteToStorageKey", "ClearStorageKey", "DeleteStorageKey",
            "ReadReminderRowsKey", "ReadReminderRowKey", "ReadRangeRows1Key", "ReadRangeRows2Key", "UpsertReminderRowKey",
            "DeleteReminderRowKey", "DeleteReminderRowsKey",
        ];
        var sql = string.Concat(SchemaMigrator.Migrations.Select(m => m.Sql));

        Assert.All(keys, key => Assert.Contains($"('{key}'", sql, StringComparison.Ordinal));
    }

    private static async Task<string> DescribeAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT string_agg(table_name || '.' || column_name || ':' || data_type, ',' ORDER BY table_name, ordinal_position)
                   || '|' || (SELECT count(*) FROM orleansquery) || '|' || (SELECT count(*) FROM oa_schema_migrations)
              FROM information_schema.columns WHERE table_schema = 'public'
            """);
        return (string)(await command.ExecuteScalarAsync())!;
    }
}
