using Attribution.EventStore.Projections;
using Npgsql;

namespace Attribution.ReadModels.Revenue;

public sealed partial class RevenueProjection
{
    /// <summary>
    /// A company's rebuild in memory. Its batches go through the live path's <see cref="FoldAsync"/>,
    /// against the contributions held here instead of stored ones, and their deltas are summed here
    /// instead of upserted: the same rows result, written once (a replay spent most of its rebuild
    /// upserting the same few daily rows and loading contributions batch after batch).
    /// Holds one contribution per decided source event of the company while it runs.
    /// </summary>
    private sealed class RevenueRebuild(RevenueProjection projection) : ITenantRebuild
    {
        private readonly Dictionary<(string Company, Guid Source), RevenueContribution> _applied = [];
        private readonly Dictionary<(string Company, RollupKey Key), (RevenueMetrics Metrics, string Label)> _rollups = [];
        private readonly Dictionary<(string Company, string Conversation), ConversationStart> _conversations = [];

        public async Task ApplyAsync(ProjectionBatch batch, CancellationToken ct)
        {
            var changes = await projection.FoldAsync(batch, keys => Task.FromResult(Held(keys)), ct);
            foreach (var c in changes.Conversations)
                _conversations[(c.CompanyKey, c.ConversationId)] =
                    _conversations.TryGetValue((c.CompanyKey, c.ConversationId), out var first) ? first.Merge(c) : c;
            // As the upsert adds a delta to its row and sets the row's label from it.
            foreach (var (company, row) in changes.Deltas)
                _rollups[(company, row.Key)] = (
                    _rollups.TryGetValue((company, row.Key), out var held) ? held.Metrics.Plus(row.Metrics) : row.Metrics,
                    row.Label ?? row.Key.Dimension);
            foreach (var (company, source, contribution) in changes.Applied) _applied[(company, source)] = contribution;
        }

        public Task CompleteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct) =>
            RevenueTables.CopyAsync(connection,
                [.. _rollups.Select(r => (r.Key.Company, r.Key.Key, r.Value.Metrics, r.Value.Label))],
                [.. _applied.Select(a => (a.Key.Company, a.Key.Source, a.Value))],
                [.. _conversations.Values],
                ct);

        private Dictionary<(string Company, Guid Source), RevenueContribution> Held(IReadOnlyList<(string Company, Guid Source)> keys)
        {
            var held = new Dictionary<(string Company, Guid Source), RevenueContribution>();
            foreach (var key in keys)
                if (_applied.TryGetValue(key, out var contribution)) held[key] = contribution;
            return held;
        }
    }
}
