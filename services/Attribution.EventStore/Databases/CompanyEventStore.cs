namespace Attribution.EventStore.Databases;

/// <summary>
/// Appends routed to each company's database: a batch that holds several companies' streams is
/// split by database and each part goes through that database's group commit. The parts commit
/// separately, so a failure after one part committed leaves that part stored; the caller retries
/// the whole batch and the idempotent append skips what is already there.
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
        if (byDatabase.Count == 1) return await byDatabase.Keys.Single().Store.AppendAsync(appends, ct);

        var results = await Task.WhenAll(byDatabase.Select(p => p.Key.Store.AppendAsync(p.Value, ct)));
        return new AppendResult([.. results.SelectMany(r => r.Events)]);
    }
}
