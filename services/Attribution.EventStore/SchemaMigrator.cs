using System.Reflection;
using Npgsql;

namespace Attribution.EventStore;

/// <summary>
/// Applies versioned SQL migrations embedded in an assembly (resources named <c>NNNN_name.sql</c>).
/// Each component (the event store, the application) keeps its own numbering in
/// <c>public.schema_migrations</c>. A session advisory lock makes concurrent start-ups safe.
/// </summary>
public static class SchemaMigrator
{
    private const long MigrationLockKey = 7_246_001;

    public static async Task MigrateAsync(
        NpgsqlDataSource dataSource, string component, Assembly assembly, CancellationToken ct = default)
    {
        var migrations = assembly.GetManifestResourceNames()
            .Where(n => n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n => (Resource: n, File: FileNameOf(n)))
            .Select(m => (m.Resource, Version: int.Parse(m.File.AsSpan(0, m.File.IndexOf('_', StringComparison.Ordinal))), m.File))
            .OrderBy(m => m.Version)
            .ToList();

        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await Execute(connection, null, $"SELECT pg_advisory_lock({MigrationLockKey})", ct);
        try
        {
            await Execute(connection, null, """
                CREATE TABLE IF NOT EXISTS public.schema_migrations (
                    component  text        NOT NULL,
                    version    int         NOT NULL,
                    name       text        NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (component, version))
                """, ct);

            var applied = new HashSet<int>();
            await using (var cmd = new NpgsqlCommand("SELECT version FROM public.schema_migrations WHERE component = $1", connection))
            {
                cmd.Parameters.AddWithValue(component);
                await using var reader = await cmd.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct)) applied.Add(reader.GetInt32(0));
            }

            foreach (var migration in migrations.Where(m => !applied.Contains(m.Version)))
            {
                string sql;
                await using (var stream = assembly.GetManifestResourceStream(migration.Resource)!)
                using (var text = new StreamReader(stream))
                    sql = await text.ReadToEndAsync(ct);

                await using var tx = await connection.BeginTransactionAsync(ct);
                await Execute(connection, tx, sql, ct);
                await using (var record = new NpgsqlCommand(
                    "INSERT INTO public.schema_migrations (component, version, name) VALUES ($1, $2, $3)", connection, tx))
                {
                    record.Parameters.AddWithValue(component);
                    record.Parameters.AddWithValue(migration.Version);
                    record.Parameters.AddWithValue(migration.File);
                    await record.ExecuteNonQueryAsync(ct);
                }
                await tx.CommitAsync(ct);
            }
        }
        finally
        {
            await Execute(connection, null, $"SELECT pg_advisory_unlock({MigrationLockKey})", CancellationToken.None);
        }
    }

    // "Attribution.EventStore.Schema.0001_event_store.sql" -> "0001_event_store.sql"
    private static string FileNameOf(string resource)
    {
        var withoutExtension = resource[..^".sql".Length];
        return withoutExtension[(withoutExtension.LastIndexOf('.') + 1)..] + ".sql";
    }

    private static async Task Execute(NpgsqlConnection connection, NpgsqlTransaction? tx, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, connection, tx);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
