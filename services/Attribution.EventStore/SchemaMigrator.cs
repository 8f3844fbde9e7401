using System.Reflection;
using Npgsql;

namespace Attribution.EventStore;

/// <summary>
/// Applies versioned SQL migrations embedded in an assembly (resources named <c>NNNN_name.sql</c>
/// in one folder per component). Each component (the event store, the application) keeps its own
/// numbering in <c>public.schema_migrations</c>. Marten's own schema (Weasel) is applied first,
/// under the same session advisory lock, which makes concurrent start-ups safe. Hand-written SQL
/// stays for the application's tables and for what Marten does not manage (the engine's indexes
/// on its event table, the one-time move of the old store's events).
///
/// A build never runs against a schema newer than itself (Flyway's <c>validate</c> with future
/// migrations refused): when the database holds a migration the build does not have, a newer
/// build has migrated it, and <see cref="MigrateAsync"/> applies nothing and throws
/// <see cref="SchemaNewerThanBuildException"/> instead of letting the old build write data in the
/// old shape. <see cref="UnknownMigrationsAsync"/> asks the same question of a running process
/// (the schema fence), which each migration wakes with a notification on <see cref="MigratedChannel"/>.
/// </summary>
public static class SchemaMigrator
{
    private const long MigrationLockKey = 7_246_001;

    /// <summary>The PostgreSQL channel notified (on commit) by every migration applied.</summary>
    public const string MigratedChannel = "schema_migrated";

    public static Task MigrateAsync(
        NpgsqlDataSource dataSource, string component, Assembly assembly, CancellationToken ct = default) =>
        MigrateAsync(dataSource, [new SchemaComponent(component, assembly)], null, ct);

    /// <summary>
    /// Migrates several components in order, under one lock, after <paramref name="first"/> (Marten's
    /// schema). Every component is checked for migrations this build does not have before anything is migrated.
    /// </summary>
    public static async Task MigrateAsync(
        NpgsqlDataSource dataSource, IReadOnlyList<SchemaComponent> components, Func<CancellationToken, Task>? first, CancellationToken ct = default)
    {
        var known = components.Select(c => (c.Component, c.Assembly, Migrations: MigrationsIn(c))).ToList();

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

            // Before applying anything: a build that is not the database's newest changes nothing.
            var unknown = await UnknownMigrationsAsync(connection, known.Select(k => (k.Component, k.Migrations)), ct);
            if (unknown.Count > 0) throw new SchemaNewerThanBuildException(unknown);

            if (first is not null) await first(ct);
            foreach (var (component, assembly, migrations) in known)
                await ApplyAsync(connection, component, assembly, migrations, ct);
        }
        finally
        {
            await Execute(connection, null, $"SELECT pg_advisory_unlock({MigrationLockKey})", CancellationToken.None);
        }
    }

    private static async Task ApplyAsync(
        NpgsqlConnection connection, string component, Assembly assembly, List<Migration> migrations, CancellationToken ct)
    {
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
            await Execute(connection, tx, $"NOTIFY {MigratedChannel}", ct);
            await tx.CommitAsync(ct);
        }
    }

    /// <summary>
    /// The components' migrations recorded in the database that their assemblies do not have, by
    /// version and name (as "component/NNNN_name.sql"), in the components' order: empty unless a
    /// newer build, or one of another lineage, has migrated it.
    /// </summary>
    public static async Task<IReadOnlyList<string>> UnknownMigrationsAsync(
        NpgsqlDataSource dataSource, IReadOnlyList<SchemaComponent> components, CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await UnknownMigrationsAsync(connection, components.Select(c => (c.Component, MigrationsIn(c))), ct);
    }

    private static async Task<IReadOnlyList<string>> UnknownMigrationsAsync(
        NpgsqlConnection connection, IEnumerable<(string Component, List<Migration> Known)> components, CancellationToken ct)
    {
        var unknown = new List<string>();
        foreach (var (component, known) in components)
        {
            await using var cmd = new NpgsqlCommand("""
                SELECT m.name FROM public.schema_migrations m
                WHERE m.component = $1
                  AND NOT EXISTS (SELECT 1 FROM unnest($2::int[], $3::text[]) AS k(version, name) WHERE k.version = m.version AND k.name = m.name)
                ORDER BY m.version
                """, connection);
            cmd.Parameters.AddWithValue(component);
            cmd.Parameters.AddWithValue(known.Select(m => m.Version).ToArray());
            cmd.Parameters.AddWithValue(known.Select(m => m.File).ToArray());
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) unknown.Add($"{component}/{reader.GetString(0)}");
        }
        return unknown;
    }

    private sealed record Migration(string Resource, int Version, string File);

    private static List<Migration> MigrationsIn(SchemaComponent component) =>
        component.Assembly.GetManifestResourceNames()
            .Where(n => n.EndsWith(".sql", StringComparison.Ordinal))
            .Where(n => component.Folder is null || n[..n.LastIndexOf('.', n.Length - ".sql".Length - 1)].EndsWith("." + component.Folder, StringComparison.Ordinal))
            .Select(n => (Resource: n, File: FileNameOf(n)))
            .Select(m => new Migration(m.Resource, int.Parse(m.File.AsSpan(0, m.File.IndexOf('_', StringComparison.Ordinal))), m.File))
            .OrderBy(m => m.Version)
            .ToList();

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

/// <summary>A component's migrations: the SQL resources of an assembly, or of one folder of it (a dotted resource path such as "Schema.Marten").</summary>
public sealed record SchemaComponent(string Component, Assembly Assembly, string? Folder = null);

/// <summary>
/// The database has migrations this build does not know: a newer build has migrated it, and this
/// one must not write data in the shapes it knows. Upgrade the process.
/// </summary>
public sealed class SchemaNewerThanBuildException(IReadOnlyList<string> unknownMigrations) : Exception(
    $"The database has been migrated by a newer build ({string.Join(", ", unknownMigrations)} unknown to this one). " +
    "This process stops rather than write data in an older shape: upgrade it.")
{
    public IReadOnlyList<string> UnknownMigrations { get; } = unknownMigrations;
}
