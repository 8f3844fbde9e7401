using Attribution.EventStore;
using Npgsql;
using NpgsqlTypes;

namespace Attribution.ReadModels.Revenue;

/// <summary>
/// How the rollups are stored (schema: ServiceDefaults migration 0005). Each rollup adds a delta
/// to its row and deletes the row once every figure in it is back to zero, so a rule version that
/// no decision carries any more disappears from the reads.
/// </summary>
internal static class RevenueTables
{
    private sealed record Column(string Name, Func<RevenueMetrics, object> Value)
    {
        /// <summary>An integer count (orders, quantity) rather than an amount.</summary>
        public bool IsCount { get; } = Value(RevenueMetrics.Zero) is int;
    }

    private sealed record Table(string Name, string? DimensionColumn, string? LabelColumn, Column[] Metrics);

    private static readonly Dictionary<RevenueRollup, Table> Tables = new()
    {
        [RevenueRollup.CompanyDay] = new("revenue.company_days", null, null,
        [
            new("cart_gmv", m => m.CartGmv), new("net_cart_value", m => m.NetCartValue),
            new("checkout_revenue", m => m.CheckoutRevenue), new("attributed_orders", m => m.AttributedOrders),
            new("total_checkout_revenue", m => m.TotalCheckoutRevenue), new("counted_orders", m => m.CountedOrders),
            new("orders_with_fingerprint", m => m.OrdersWithFingerprint), new("refunded", m => m.Refunded),
        ]),
        [RevenueRollup.ProductDay] = new("revenue.product_days", "product_id", "product_name",
            [new("quantity", m => m.Quantity), new("revenue", m => m.CheckoutRevenue)]),
        [RevenueRollup.VariantDay] = new("revenue.variant_days", "variant", null,
            [new("attributed_orders", m => m.AttributedOrders), new("checkout_revenue", m => m.CheckoutRevenue)]),
        [RevenueRollup.ConversationDay] = new("revenue.conversation_days", "conversation_id", null,
        [
            new("cart_gmv", m => m.CartGmv), new("net_cart_value", m => m.NetCartValue),
            new("checkout_revenue", m => m.CheckoutRevenue), new("attributed_orders", m => m.AttributedOrders),
            new("refunded", m => m.Refunded),
        ]),
    };

    private static readonly Dictionary<RevenueRollup, (string Upsert, string DeleteEmpty)> Sql =
        Tables.ToDictionary(t => t.Key, t => (UpsertSql(t.Value), DeleteEmptySql(t.Value)));

    // Every write below is one statement per table and batch, its rows passed as arrays (unnest):
    // a statement per row would cost a parse, bind and execute each, which dominates a rebuild.

    /// <summary>Adds the deltas to their rollup rows, then deletes rows left all zero. Keys are unique (see <see cref="RevenueContributions.Merge"/>).</summary>
    public static void AddDeltas(NpgsqlBatch batch, IReadOnlyList<(string CompanyKey, RollupRow Row)> deltas)
    {
        foreach (var rollup in deltas.GroupBy(d => d.Row.Key.Rollup))
        {
            var table = Tables[rollup.Key];
            var (upsertSql, deleteEmptySql) = Sql[rollup.Key];
            var rows = rollup.ToList();

            // Each command gets its own key parameters: an NpgsqlParameter belongs to one command.
            var upsert = new NpgsqlBatchCommand(upsertSql);
            foreach (var key in KeyArrays(table, rows)) upsert.Parameters.Add(key);
            if (table.LabelColumn is not null)
                upsert.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Row.Label ?? r.Row.Key.Dimension).ToArray() });
            foreach (var metric in table.Metrics)
                upsert.Parameters.Add(metric.IsCount
                    ? new NpgsqlParameter { Value = rows.Select(r => (int)metric.Value(r.Row.Metrics)).ToArray() }
                    : new NpgsqlParameter { Value = rows.Select(r => (decimal)metric.Value(r.Row.Metrics)).ToArray() });
            batch.BatchCommands.Add(upsert);

            var deleteEmpty = new NpgsqlBatchCommand(deleteEmptySql);
            foreach (var key in KeyArrays(table, rows)) deleteEmpty.Parameters.Add(key);
            batch.BatchCommands.Add(deleteEmpty);
        }
    }

    /// <summary>What each source event contributes now (replaced wholesale on its next decision revision).</summary>
    public static void AddApplied(NpgsqlBatch batch, IReadOnlyList<AppliedContribution> applied)
    {
        if (applied.Count == 0) return;
        var command = new NpgsqlBatchCommand("""
            INSERT INTO revenue.applied_contributions (company_key, source_event_id, contribution, applied_seq)
            SELECT * FROM unnest($1::text[], $2::uuid[], $3::jsonb[], $4::bigint[])
            ON CONFLICT (company_key, source_event_id) DO UPDATE SET contribution = excluded.contribution, applied_seq = excluded.applied_seq
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = applied.Select(a => a.CompanyKey).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = applied.Select(a => a.SourceEventId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter
        {
            NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb,
            Value = applied.Select(a => StoredJson.Utf8Of(a.Contribution)).ToArray(),
        });
        command.Parameters.Add(new NpgsqlParameter { Value = applied.Select(a => a.AppliedSeq).ToArray() });
        batch.BatchCommands.Add(command);
    }

    /// <summary>
    /// Moves every row of the company onto the confirmed rule version (rows that meet are summed), its
    /// conversations' orders too, and records the move: a contribution applied before it is taken back
    /// under the confirmed version (<c>LoadAppliedAsync</c>). One statement per table, whatever the number of decisions.
    /// </summary>
    public static void AddRuleVersionMove(NpgsqlBatch batch, RuleVersionMove move)
    {
        foreach (var (rollup, sql) in MoveSql)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(sql) { Parameters = { new() { Value = move.CompanyKey }, new() { Value = move.RuleVersion } } });
            batch.BatchCommands.Add(new NpgsqlBatchCommand(DeleteZeroSql[rollup]) { Parameters = { new() { Value = move.CompanyKey }, new() { Value = move.RuleVersion } } });
        }
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            "UPDATE revenue.conversation_orders SET rule_version = $2 WHERE company_key = $1 AND rule_version <> $2")
        { Parameters = { new() { Value = move.CompanyKey }, new() { Value = move.RuleVersion } } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            INSERT INTO revenue.rule_confirmations (company_key, rule_version, applied_before) VALUES ($1, $2, $3)
            ON CONFLICT (company_key) DO UPDATE SET rule_version = excluded.rule_version, applied_before = excluded.applied_before
            """) { Parameters = { new() { Value = move.CompanyKey }, new() { Value = move.RuleVersion }, new() { Value = move.At } } });
    }

    private static readonly Dictionary<RevenueRollup, string> MoveSql = Tables.ToDictionary(t => t.Key, t => MoveRowsSql(t.Value));

    private static readonly Dictionary<RevenueRollup, string> DeleteZeroSql = Tables.ToDictionary(t => t.Key, t =>
        $"DELETE FROM {t.Value.Name} WHERE company_key = $1 AND rule_version = $2 AND {string.Join(" AND ", t.Value.Metrics.Select(m => $"{m.Name} = 0"))}");

    // The rows under other versions leave and come back summed under the confirmed one. The statement's
    // parts see one snapshot: the insert meets only rows already under the confirmed version, which stay.
    private static string MoveRowsSql(Table table)
    {
        string[] dimensions = table.DimensionColumn is null ? [] : [table.DimensionColumn];
        string[] groupBy = ["company_key", "day", "currency", .. dimensions];
        string[] keys = ["company_key", "day", "currency", "rule_version", .. dimensions];
        string[] label = table.LabelColumn is null ? [] : [table.LabelColumn];
        string[] columns = [.. keys, .. label, .. table.Metrics.Select(m => m.Name)];
        string[] values = [.. groupBy.Take(3), "$2", .. dimensions, .. label.Select(l => $"max({l})"), .. table.Metrics.Select(m => $"sum({m.Name})")];
        string[] sets = [.. label.Select(l => $"{l} = excluded.{l}"), .. table.Metrics.Select(m => $"{m.Name} = t.{m.Name} + excluded.{m.Name}")];
        return $"""
            WITH moved AS (DELETE FROM {table.Name} WHERE company_key = $1 AND rule_version <> $2 RETURNING *)
            INSERT INTO {table.Name} AS t ({string.Join(", ", columns)})
            SELECT {string.Join(", ", values)} FROM moved GROUP BY {string.Join(", ", groupBy)}
            ON CONFLICT ({string.Join(", ", keys)}) DO UPDATE SET {string.Join(", ", sets)}
            """;
    }

    /// <summary>The attributed orders listed under their conversation: upserted, or deleted where a source no longer has one.</summary>
    public static void AddConversationOrders(NpgsqlBatch batch, IReadOnlyList<(string CompanyKey, Guid SourceEventId, ConversationOrder? Order)> orders)
    {
        var gone = orders.Where(o => o.Order is null).ToList();
        if (gone.Count > 0)
        {
            var delete = new NpgsqlBatchCommand("""
                DELETE FROM revenue.conversation_orders o USING unnest($1::text[], $2::uuid[]) AS k(company_key, source_event_id)
                WHERE o.company_key = k.company_key AND o.source_event_id = k.source_event_id
                """);
            delete.Parameters.Add(new NpgsqlParameter { Value = gone.Select(o => o.CompanyKey).ToArray() });
            delete.Parameters.Add(new NpgsqlParameter { Value = gone.Select(o => o.SourceEventId).ToArray() });
            batch.BatchCommands.Add(delete);
        }

        var present = orders.Where(o => o.Order is not null).Select(o => (o.CompanyKey, o.SourceEventId, Order: o.Order!)).ToList();
        if (present.Count == 0) return;
        var upsert = new NpgsqlBatchCommand("""
            INSERT INTO revenue.conversation_orders
                (company_key, source_event_id, conversation_id, order_id, value, currency, occurred_at, rule_version)
            SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::numeric[], $6::text[], $7::timestamptz[], $8::text[])
            ON CONFLICT (company_key, source_event_id) DO UPDATE SET conversation_id = excluded.conversation_id,
                order_id = excluded.order_id, value = excluded.value, currency = excluded.currency,
                occurred_at = excluded.occurred_at, rule_version = excluded.rule_version
            """);
        upsert.Parameters.Add(new NpgsqlParameter { Value = present.Select(o => o.CompanyKey).ToArray() });
        upsert.Parameters.Add(new NpgsqlParameter { Value = present.Select(o => o.SourceEventId).ToArray() });
        upsert.Parameters.Add(new NpgsqlParameter { Value = present.Select(o => o.Order.ConversationId).ToArray() });
        upsert.Parameters.Add(new NpgsqlParameter { Value = present.Select(o => o.Order.OrderId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        upsert.Parameters.Add(new NpgsqlParameter { Value = present.Select(o => o.Order.Value).ToArray() });
        upsert.Parameters.Add(new NpgsqlParameter { Value = present.Select(o => o.Order.Currency).ToArray() });
        upsert.Parameters.Add(new NpgsqlParameter { Value = present.Select(o => o.Order.OccurredAt).ToArray() });
        upsert.Parameters.Add(new NpgsqlParameter { Value = present.Select(o => o.Order.RuleVersion).ToArray() });
        batch.BatchCommands.Add(upsert);
    }

    /// <summary>
    /// Writes a rebuilt company with binary COPY, into tables <see cref="DeleteAsync"/> emptied in the same
    /// transaction: the rollup rows (those all zero left out, as the upsert deletes them), each source's
    /// contribution (none stored where it adds nothing: a missing row reads as nothing, as
    /// <see cref="RevenueContribution.None"/> does), the conversations' orders, and the conversations.
    /// </summary>
    public static async Task CopyAsync(
        NpgsqlConnection connection,
        IReadOnlyList<(string CompanyKey, RollupKey Key, RevenueMetrics Metrics, string Label)> rollups,
        IReadOnlyList<AppliedContribution> applied,
        IReadOnlyList<ConversationStart> conversations,
        IReadOnlyList<RuleVersionMove> moves,
        CancellationToken ct)
    {
        foreach (var rollup in rollups.GroupBy(r => r.Key.Rollup))
        {
            var table = Tables[rollup.Key];
            string[] columns = [.. KeyColumns(table), .. table.LabelColumn is null ? [] : new[] { table.LabelColumn }, .. table.Metrics.Select(m => m.Name)];
            await using var copy = await connection.BeginBinaryImportAsync(
                $"COPY {table.Name} ({string.Join(", ", columns)}) FROM STDIN (FORMAT BINARY)", ct);
            foreach (var (company, key, metrics, label) in rollup)
            {
                if (table.Metrics.All(m => m.IsCount ? (int)m.Value(metrics) == 0 : (decimal)m.Value(metrics) == 0)) continue;
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(company, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(key.Day, NpgsqlDbType.Date, ct);
                await copy.WriteAsync(key.Currency, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(key.RuleVersion, NpgsqlDbType.Text, ct);
                if (table.DimensionColumn is not null) await copy.WriteAsync(key.Dimension, NpgsqlDbType.Text, ct);
                if (table.LabelColumn is not null) await copy.WriteAsync(label, NpgsqlDbType.Text, ct);
                foreach (var metric in table.Metrics)
                    if (metric.IsCount) await copy.WriteAsync((int)metric.Value(metrics), NpgsqlDbType.Integer, ct);
                    else await copy.WriteAsync((decimal)metric.Value(metrics), NpgsqlDbType.Numeric, ct);
            }
            await copy.CompleteAsync(ct);
        }

        var contributing = applied.Where(a => a.Contribution.Rows.Count > 0 || a.Contribution.Order is not null).ToList();
        await using (var copy = await connection.BeginBinaryImportAsync(
            "COPY revenue.applied_contributions (company_key, source_event_id, contribution, applied_seq) FROM STDIN (FORMAT BINARY)", ct))
        {
            foreach (var (company, source, contribution, appliedSeq) in contributing)
            {
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(company, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(source, NpgsqlDbType.Uuid, ct);
                await copy.WriteAsync(StoredJson.Utf8Of(contribution), NpgsqlDbType.Jsonb, ct);
                await copy.WriteAsync(appliedSeq, NpgsqlDbType.Bigint, ct);
            }
            await copy.CompleteAsync(ct);
        }

        foreach (var move in moves)
        {
            await using var record = new NpgsqlCommand(
                "INSERT INTO revenue.rule_confirmations (company_key, rule_version, applied_before) VALUES ($1, $2, $3)", connection);
            record.Parameters.AddWithValue(move.CompanyKey);
            record.Parameters.AddWithValue(move.RuleVersion);
            record.Parameters.AddWithValue(move.At);
            await record.ExecuteNonQueryAsync(ct);
        }

        await using (var copy = await connection.BeginBinaryImportAsync("""
            COPY revenue.conversation_orders (company_key, source_event_id, conversation_id, order_id, value, currency, occurred_at, rule_version)
            FROM STDIN (FORMAT BINARY)
            """, ct))
        {
            foreach (var (company, source, contribution, _) in contributing)
            {
                if (contribution.Order is not { } order) continue;
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(company, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(source, NpgsqlDbType.Uuid, ct);
                await copy.WriteAsync(order.ConversationId, NpgsqlDbType.Text, ct);
                if (order.OrderId is null) await copy.WriteNullAsync(ct);
                else await copy.WriteAsync(order.OrderId, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(order.Value, NpgsqlDbType.Numeric, ct);
                await copy.WriteAsync(order.Currency, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(order.OccurredAt, NpgsqlDbType.TimestampTz, ct);
                await copy.WriteAsync(order.RuleVersion, NpgsqlDbType.Text, ct);
            }
            await copy.CompleteAsync(ct);
        }

        await using (var copy = await connection.BeginBinaryImportAsync(
            "COPY revenue.conversations (company_key, conversation_id, channel, variant, started_at) FROM STDIN (FORMAT BINARY)", ct))
        {
            foreach (var c in conversations)
            {
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(c.CompanyKey, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(c.ConversationId, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(c.Channel, NpgsqlDbType.Text, ct);
                if (c.Variant is null) await copy.WriteNullAsync(ct);
                else await copy.WriteAsync(c.Variant, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(c.StartedAt, NpgsqlDbType.TimestampTz, ct);
            }
            await copy.CompleteAsync(ct);
        }
    }

    /// <summary>Deletes one company's rows (a tenant rebuild), or every row when <paramref name="companyKey"/> is null.</summary>
    public static async Task DeleteAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string? companyKey, CancellationToken ct)
    {
        string[] tables = [.. Tables.Values.Select(t => t.Name), "revenue.applied_contributions", "revenue.conversation_orders", "revenue.conversations", "revenue.rule_confirmations"];
        await using var batch = new NpgsqlBatch(connection, tx);
        foreach (var table in tables)
        {
            var command = new NpgsqlBatchCommand($"DELETE FROM {table} WHERE $1::text IS NULL OR company_key = $1");
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)companyKey ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            batch.BatchCommands.Add(command);
        }
        await batch.ExecuteNonQueryAsync(ct);
    }

    private static List<NpgsqlParameter> KeyArrays(Table table, List<(string CompanyKey, RollupRow Row)> rows)
    {
        List<NpgsqlParameter> keys =
        [
            new() { Value = rows.Select(r => r.CompanyKey).ToArray() },
            new() { Value = rows.Select(r => r.Row.Key.Day).ToArray() },
            new() { Value = rows.Select(r => r.Row.Key.Currency).ToArray() },
            new() { Value = rows.Select(r => r.Row.Key.RuleVersion).ToArray() },
        ];
        if (table.DimensionColumn is not null) keys.Add(new() { Value = rows.Select(r => r.Row.Key.Dimension).ToArray() });
        return keys;
    }

    private static string[] KeyColumns(Table table) => table.DimensionColumn is null
        ? ["company_key", "day", "currency", "rule_version"]
        : ["company_key", "day", "currency", "rule_version", table.DimensionColumn];

    private static string[] KeyTypes(Table table) => table.DimensionColumn is null
        ? ["text", "date", "text", "text"]
        : ["text", "date", "text", "text", "text"];

    private static string UpsertSql(Table table)
    {
        var keys = KeyColumns(table);
        string[] columns = [.. keys, .. table.LabelColumn is null ? [] : new[] { table.LabelColumn }, .. table.Metrics.Select(m => m.Name)];
        string[] types = [.. KeyTypes(table), .. table.LabelColumn is null ? [] : new[] { "text" }, .. table.Metrics.Select(m => m.IsCount ? "integer" : "numeric")];
        var arrays = string.Join(", ", types.Select((t, i) => $"${i + 1}::{t}[]"));
        string[] sets = [.. table.LabelColumn is null ? [] : new[] { $"{table.LabelColumn} = excluded.{table.LabelColumn}" },
            .. table.Metrics.Select(m => $"{m.Name} = t.{m.Name} + excluded.{m.Name}")];
        return $"""
            INSERT INTO {table.Name} AS t ({string.Join(", ", columns)}) SELECT * FROM unnest({arrays})
            ON CONFLICT ({string.Join(", ", keys)}) DO UPDATE SET {string.Join(", ", sets)}
            """;
    }

    private static string DeleteEmptySql(Table table)
    {
        var keys = KeyColumns(table);
        var arrays = string.Join(", ", KeyTypes(table).Select((t, i) => $"${i + 1}::{t}[]"));
        var join = keys.Select(c => $"t.{c} = k.{c}");
        var zero = table.Metrics.Select(m => $"t.{m.Name} = 0");
        return $"""
            DELETE FROM {table.Name} AS t USING unnest({arrays}) AS k({string.Join(", ", keys)})
            WHERE {string.Join(" AND ", join.Concat(zero))}
            """;
    }
}
