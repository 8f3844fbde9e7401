using System.Text.Json;
using Attribution.EventStore;
using Npgsql;
using NpgsqlTypes;

namespace Attribution.Engine.RevenueProjector.Revenue;

/// <summary>
/// How the rollups are stored (schema: ServiceDefaults migration 0005). Each rollup adds a delta
/// to its row and deletes the row once every figure in it is back to zero, so a rule version that
/// no decision carries any more disappears from the reads.
/// </summary>
internal static class RevenueTables
{
    private sealed record Column(string Name, Func<RevenueMetrics, object> Value);

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

    public static void AddDelta(NpgsqlBatch batch, string companyKey, RollupRow row)
    {
        var table = Tables[row.Key.Rollup];
        var (upsert, deleteEmpty) = Sql[row.Key.Rollup];
        var key = KeyValues(table, companyKey, row.Key);

        var insert = new NpgsqlBatchCommand(upsert);
        foreach (var value in key) insert.Parameters.Add(new NpgsqlParameter { Value = value });
        if (table.LabelColumn is not null) insert.Parameters.Add(new NpgsqlParameter { Value = row.Label ?? row.Key.Dimension });
        foreach (var metric in table.Metrics) insert.Parameters.Add(new NpgsqlParameter { Value = metric.Value(row.Metrics) });
        batch.BatchCommands.Add(insert);

        var delete = new NpgsqlBatchCommand(deleteEmpty);
        foreach (var value in key) delete.Parameters.Add(new NpgsqlParameter { Value = value });
        batch.BatchCommands.Add(delete);
    }

    public static void AddApplied(NpgsqlBatch batch, string companyKey, Guid sourceEventId, RevenueContribution contribution)
    {
        var command = new NpgsqlBatchCommand("""
            INSERT INTO revenue.applied_contributions (company_key, source_event_id, contribution) VALUES ($1, $2, $3)
            ON CONFLICT (company_key, source_event_id) DO UPDATE SET contribution = excluded.contribution
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = companyKey });
        command.Parameters.Add(new NpgsqlParameter { Value = sourceEventId });
        command.Parameters.Add(new NpgsqlParameter
        {
            NpgsqlDbType = NpgsqlDbType.Jsonb,
            Value = JsonSerializer.Serialize(contribution, EventTypeRegistry.SerializerOptions),
        });
        batch.BatchCommands.Add(command);
    }

    public static void AddConversationOrder(NpgsqlBatch batch, string companyKey, Guid sourceEventId, ConversationOrder? order)
    {
        if (order is null)
        {
            var delete = new NpgsqlBatchCommand("DELETE FROM revenue.conversation_orders WHERE company_key = $1 AND source_event_id = $2");
            delete.Parameters.Add(new NpgsqlParameter { Value = companyKey });
            delete.Parameters.Add(new NpgsqlParameter { Value = sourceEventId });
            batch.BatchCommands.Add(delete);
            return;
        }
        var upsert = new NpgsqlBatchCommand("""
            INSERT INTO revenue.conversation_orders
                (company_key, source_event_id, conversation_id, order_id, value, currency, occurred_at, rule_version)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            ON CONFLICT (company_key, source_event_id) DO UPDATE SET conversation_id = excluded.conversation_id,
                order_id = excluded.order_id, value = excluded.value, currency = excluded.currency,
                occurred_at = excluded.occurred_at, rule_version = excluded.rule_version
            """);
        object[] values = [companyKey, sourceEventId, order.ConversationId, (object?)order.OrderId ?? DBNull.Value, order.Value,
            order.Currency, order.OccurredAt, order.RuleVersion];
        foreach (var v in values) upsert.Parameters.Add(new NpgsqlParameter { Value = v });
        batch.BatchCommands.Add(upsert);
    }

    /// <summary>Deletes one company's rows (a tenant rebuild), or every row when <paramref name="companyKey"/> is null.</summary>
    public static async Task DeleteAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string? companyKey, CancellationToken ct)
    {
        string[] tables = [.. Tables.Values.Select(t => t.Name), "revenue.applied_contributions", "revenue.conversation_orders", "revenue.conversations"];
        await using var batch = new NpgsqlBatch(connection, tx);
        foreach (var table in tables)
        {
            var command = new NpgsqlBatchCommand($"DELETE FROM {table} WHERE $1::text IS NULL OR company_key = $1");
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)companyKey ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            batch.BatchCommands.Add(command);
        }
        await batch.ExecuteNonQueryAsync(ct);
    }

    private static object[] KeyValues(Table table, string companyKey, RollupKey key) => table.DimensionColumn is null
        ? [companyKey, key.Day, key.Currency, key.RuleVersion]
        : [companyKey, key.Day, key.Currency, key.RuleVersion, key.Dimension];

    private static string[] KeyColumns(Table table) => table.DimensionColumn is null
        ? ["company_key", "day", "currency", "rule_version"]
        : ["company_key", "day", "currency", "rule_version", table.DimensionColumn];

    private static string UpsertSql(Table table)
    {
        var keys = KeyColumns(table);
        string[] columns = [.. keys, .. table.LabelColumn is null ? [] : new[] { table.LabelColumn }, .. table.Metrics.Select(m => m.Name)];
        var values = string.Join(", ", columns.Select((_, i) => $"${i + 1}"));
        string[] sets = [.. table.LabelColumn is null ? [] : new[] { $"{table.LabelColumn} = excluded.{table.LabelColumn}" },
            .. table.Metrics.Select(m => $"{m.Name} = t.{m.Name} + excluded.{m.Name}")];
        return $"""
            INSERT INTO {table.Name} AS t ({string.Join(", ", columns)}) VALUES ({values})
            ON CONFLICT ({string.Join(", ", keys)}) DO UPDATE SET {string.Join(", ", sets)}
            """;
    }

    private static string DeleteEmptySql(Table table)
    {
        var keys = KeyColumns(table).Select((c, i) => $"{c} = ${i + 1}");
        var zero = table.Metrics.Select(m => $"{m.Name} = 0");
        return $"DELETE FROM {table.Name} WHERE {string.Join(" AND ", keys)} AND {string.Join(" AND ", zero)}";
    }
}
