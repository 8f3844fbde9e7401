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
        private readonly Dictionary<(string Company, Guid Source), AppliedContribution> _applied = [];
        private readonly Dictionary<(string Company, RollupKey Key), (RevenueMetrics Metrics, string Label)> _rollups = [];
        private readonly Dictionary<(string Company, string Conversation), ConversationStart> _conversations = [];
        private readonly Dictionary<string, RuleVersionMove> _moves = new(StringComparer.Ordinal);

        public async Task ApplyAsync(ProjectionBatch batch, CancellationToken ct)
        {
            var changes = await projection.FoldAsync(batch, keys => Task.FromResult(Held(keys)), ct);
            foreach (var c in changes.Conversations)
                _conversations[(c.CompanyKey, c.ConversationId)] =
                    _conversations.TryGetValue((c.CompanyKey, c.ConversationId), out var first) ? first.Merge(c) : c;
            // As the live path moves the stored rows before it adds the batch's deltas.
            foreach (var move in changes.Moves) Move(move);
            // As the upsert adds a delta to its row and sets the row's label from it.
            foreach (var (company, row) in changes.Deltas) Add(company, row.Key, row.Metrics, row.Label ?? row.Key.Dimension);
            foreach (var a in changes.Applied) _applied[(a.CompanyKey, a.SourceEventId)] = a;
        }

        public Task CompleteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct) =>
            RevenueTables.CopyAsync(connection,
                [.. _rollups.Select(r => (r.Key.Company, r.Key.Key, r.Value.Metrics, r.Value.Label))],
                [.. _applied.Values],
                [.. _conversations.Values],
                [.. _moves.Values],
                ct);

        private void Add(string company, RollupKey key, RevenueMetrics metrics, string label) =>
            _rollups[(company, key)] = (_rollups.TryGetValue((company, key), out var held) ? held.Metrics.Plus(metrics) : metrics, label);

        /// <summary>Every row and contribution of the company held so far now counts under the confirmed version.</summary>
        private void Move(RuleVersionMove move)
        {
            _moves[move.CompanyKey] = move;
            foreach (var row in _rollups.Where(r => r.Key.Company == move.CompanyKey && r.Key.Key.RuleVersion != move.RuleVersion).ToList())
            {
                _rollups.Remove(row.Key);
                Add(move.CompanyKey, row.Key.Key with { RuleVersion = move.RuleVersion }, row.Value.Metrics, row.Value.Label);
            }
            foreach (var held in _applied.Where(a => a.Key.Company == move.CompanyKey).ToList())
                _applied[held.Key] = held.Value with { Contribution = RevenueContributions.UnderRuleVersion(held.Value.Contribution, move.RuleVersion) };
        }

        private Dictionary<(string Company, Guid Source), AppliedContribution> Held(IReadOnlyList<(string Company, Guid Source)> keys)
        {
            var held = new Dictionary<(string Company, Guid Source), AppliedContribution>();
            foreach (var key in keys)
                if (_applied.TryGetValue(key, out var contribution)) held[key] = contribution;
            return held;
        }
    }
}
