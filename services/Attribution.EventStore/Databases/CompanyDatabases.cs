using System.Collections.Concurrent;
using Attribution.EventStore.Projections;
using Marten;
using Marten.Storage;
using Npgsql;
using Weasel.Postgresql;

namespace Attribution.EventStore.Databases;

/// <summary>One PostgreSQL database of the pool: the events, documents and read models of the companies placed in it.</summary>
public sealed class CompanyDatabase(string id, NpgsqlDataSource dataSource, MartenEventStore store, ProjectionRunner projections)
{
    /// <summary>Its id in Marten's pool (<c>mt_database_pool.database_id</c>).</summary>
    public string Id => id;

    public NpgsqlDataSource DataSource => dataSource;

    /// <summary>The store's appends (their group commit and append lock are per database) and batch reads.</summary>
    public MartenEventStore Store => store;

    /// <summary>The asynchronous projections' pages, catch-ups and rebuilds in this database.</summary>
    public ProjectionRunner Projections => projections;
}

/// <summary>
/// Where each company's data lives. Marten's sharded tenancy keeps the pool of company databases and
/// each company's placement in the catalog database (<c>mt_database_pool</c>, <c>mt_tenant_assignments</c>);
/// this resolves a company to its database for the engine's own SQL, and never places one on a
/// look-up (<see cref="ITenancy"/>'s <c>TryFindDatabase</c>, not <c>FindOrCreateDatabase</c>). A company's
/// placement never changes once made, so a resolved company stays cached for the process's life; an
/// unknown one is asked again each time (it may have been created since).
/// The catalog is also the first company database, <see cref="Main"/>: the container's own data source
/// and store serve it, so a single-database installation runs exactly as before.
/// </summary>
public sealed class CompanyDatabases(NpgsqlDataSource catalog, MartenEventStore mainStore, ProjectionRunner mainProjections,
    EventStoreOptions options, Lazy<IDocumentStore> marten)
{
    /// <summary>The catalog database's own id in the pool.</summary>
    public const string Main = "main";

    private readonly ConcurrentDictionary<string, CompanyDatabase> _byCompany = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, CompanyDatabase> _byId = new(StringComparer.Ordinal);

    /// <summary>The database holding a company's data; <see cref="CompanyNotPlacedException"/> when the company is in none.</summary>
    public async ValueTask<CompanyDatabase> ForCompanyAsync(string companyKey, CancellationToken ct = default)
    {
        if (_byCompany.TryGetValue(companyKey, out var known)) return known;
        var database = await OnFreshConnectionAsync(async () => await marten.Value.Options.Tenancy.TryFindDatabase(companyKey));
        return _byCompany.GetOrAdd(companyKey, ForDatabase(database ?? throw new CompanyNotPlacedException(companyKey)));
    }

    // Marten reaches the catalog through a pool of its own, used rarely: after a restart of the catalog
    // each of its idle connections fails once, on first use, and a fresh one answers.
    private static async Task<T> OnFreshConnectionAsync<T>(Func<Task<T>> catalogCall, int attempt = 1)
    {
        try
        {
            return await catalogCall();
        }
        catch (NpgsqlException ex) when (CompanyEventStore.IsUnreachable(ex) && attempt < 5)
        {
            return await OnFreshConnectionAsync(catalogCall, attempt + 1);
        }
    }

    /// <summary>
    /// Places a new company in the pool's database with the fewest companies that is not marked full
    /// (Marten's assignment, under its lock in the catalog), before the company exists: nothing can
    /// reach a company that is in no database.
    /// </summary>
    public Task<string> PlaceAsync(string companyKey, CancellationToken ct = default) =>
        OnFreshConnectionAsync(() => marten.Value.Advanced.AddTenantToShardAsync(companyKey, ct));

    /// <summary>
    /// Registers the catalog as the pool's first company database (again at every start: Marten keeps
    /// the connection string it was last given) and places there every company of <c>app.companies</c>
    /// that is in no database, which is every company of an installation from before the pool.
    /// </summary>
    public async Task AddMainAsync(CatalogDatabase connection, CancellationToken ct)
    {
        // Without this process's application name, which Marten sets per process: every process registers the same string.
        await marten.Value.Advanced.AddDatabaseToPoolAsync(
            Main, new NpgsqlConnectionStringBuilder(connection.ConnectionString) { ApplicationName = null }.ConnectionString, ct);
        await using var cmd = catalog.CreateCommand($"""
            SELECT c.company_key FROM app.companies c
            WHERE NOT EXISTS (SELECT 1 FROM {MartenConfiguration.PoolSchema}.mt_tenant_assignments a WHERE a.tenant_id = c.company_key)
            """);
        var unplaced = new List<string>();
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct)) unplaced.Add(reader.GetString(0));
        foreach (var companyKey in unplaced) await marten.Value.Advanced.AddTenantToShardAsync(companyKey, Main, ct);
    }

    /// <summary>
    /// Adds a database, already migrated, to the pool (or gives one its new connection string): new
    /// companies may be placed in it from then on, and every engine's daemon takes it up at its next
    /// leadership poll. Nothing else stops.
    /// </summary>
    public Task AddToPoolAsync(string id, string connectionString, CancellationToken ct = default) =>
        marten.Value.Advanced.AddDatabaseToPoolAsync(id, connectionString, ct);

    /// <summary>No new company is placed in the database from now on; those in it stay.</summary>
    public Task MarkFullAsync(string id, CancellationToken ct = default) => marten.Value.Advanced.MarkDatabaseFullAsync(id, ct);

    /// <summary>The pool as the catalog holds it: each database, whether it is full, and how many companies are placed in it.</summary>
    public async Task<IReadOnlyList<PooledCompanyDatabase>> ListAsync(CancellationToken ct = default)
    {
        var pool = await ((ShardedTenancy)marten.Value.Options.Tenancy).ListDatabasesAsync(ct);
        return [.. pool.Select(d => new PooledCompanyDatabase(d.DatabaseId, d.IsFull, d.TenantCount)).OrderBy(d => d.Id, StringComparer.Ordinal)];
    }

    /// <summary>The pool's entry for one of Marten's databases (the daemon hands each page with its database).</summary>
    public CompanyDatabase ForDatabase(IMartenDatabase database) =>
        _byId.GetOrAdd(PoolId(database), id => id == Main
            ? new CompanyDatabase(Main, catalog, mainStore, mainProjections)
            : Open(id, ((PostgresqlDatabase)database).DataSource));

    // The database's id in the pool (mt_database_pool.database_id). Marten names it Identifier and marks
    // that obsolete in favour of Id, which is the server and database name instead.
#pragma warning disable CS0618
    private static string PoolId(IMartenDatabase database) => database.Identifier;
#pragma warning restore CS0618

    /// <summary>Every database in the pool, read from the catalog now (one added at run time is in it).</summary>
    public async Task<IReadOnlyList<CompanyDatabase>> AllAsync(CancellationToken ct = default)
    {
        var databases = await marten.Value.Storage.AllDatabases();
        return [.. databases.Select(ForDatabase).OrderBy(d => d.Id, StringComparer.Ordinal)];
    }

    private CompanyDatabase Open(string id, NpgsqlDataSource dataSource)
    {
        var store = new MartenEventStore(dataSource, options, marten);
        return new CompanyDatabase(id, dataSource, store, new ProjectionRunner(dataSource, store, options));
    }
}

/// <summary>A database of the pool, without its connection string (which holds its password).</summary>
public sealed record PooledCompanyDatabase(string Id, bool IsFull, int Companies);

/// <summary>The catalog database's connection (it is also the first company database, <see cref="CompanyDatabases.Main"/>).</summary>
public sealed record CatalogDatabase(string ConnectionString);

/// <summary>A company that is in no database of the pool: it was never created, or its creation did not finish.</summary>
public sealed class CompanyNotPlacedException(string companyKey)
    : Exception($"Company '{companyKey}' is not placed in any database of the pool.")
{
    public string CompanyKey { get; } = companyKey;
}
