using Npgsql;

namespace Attribution.EventStore.Databases;

/// <summary>
/// Appends routed to each company's database: a batch that holds several companies' streams is
/// split by database and each part goes through that database's group commit. The parts commit
/// separately. A part whose database cannot be reached does not stop the others: they commit, and
/// <see cref="CompanyDatabasesUnavailableException"/> names the companies whose appends were not
/// written, so the caller can hold just those (a redelivered batch is safe either way: the append
/// is idempotent).
/// </summary>
public sealed class CompanyEventStore(CompanyDatabases databases) : IEventStore
{
    public async Task<AppendResult> AppendAsync(IReadOnlyList<StreamAppend> appends, CancellationToken ct = default)
    {
        var byDatabase = new Dictionary<CompanyDatabase, List<StreamAppend>>();
        foreach (var append in appends)
        {
            var database = await databases.ForCompanyAsync(append.TenantId, ct);
            if (!byDatabase.TryGetValue(database, out var part)) byDatabase[database] = part = [];
            part.Add(append);
        }

        var parts = byDatabase.Select(p => (Appends: p.Value, Appending: p.Key.Store.AppendAsync(p.Value, ct))).ToList();
        try
        {
            await Task.WhenAll(parts.Select(p => p.Appending));
        }
        catch when (parts.Any(p => p.Appending.IsFaulted && IsUnreachable(p.Appending.Exception!.InnerException!)))
        {
            // Every part has ended: the others committed or failed for reasons of their own, which come first.
            var other = parts.FirstOrDefault(p => p.Appending.IsFaulted && !IsUnreachable(p.Appending.Exception!.InnerException!));
            if (other.Appending is not null) await other.Appending;
            throw new CompanyDatabasesUnavailableException(
                parts.Where(p => p.Appending.IsFaulted).SelectMany(p => p.Appends).Select(a => a.TenantId).ToHashSet(StringComparer.Ordinal),
                parts.First(p => p.Appending.IsFaulted).Appending.Exception!.InnerException!);
        }
        return parts.Count == 1 ? parts[0].Appending.Result : new AppendResult([.. parts.SelectMany(p => p.Appending.Result.Events)]);
    }

    /// <summary>The database could not be reached or is shutting down (not a conflict, a deadlock or bad data).</summary>
    public static bool IsUnreachable(Exception ex) => ex is NpgsqlException { IsTransient: true } and not PostgresException
        || ex is PostgresException { SqlState: PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow };
}

/// <summary>Some companies' appends were not written because their database could not be reached; every other append was.</summary>
public sealed class CompanyDatabasesUnavailableException(IReadOnlySet<string> companies, Exception cause)
    : Exception($"The database of {companies.Count} company(ies) could not be reached; their appends were not written.", cause)
{
    public IReadOnlySet<string> Companies { get; } = companies;
}
