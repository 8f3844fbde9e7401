using Attribution.EventStore;
using Attribution.EventStore.Projections;
using Npgsql;
using static Attribution.EventStore.StoredEvents.DecisionEvents;

namespace Attribution.ReadModels.LatestDecisions;

/// <summary>
/// Which rule version a stored decision stands under: its own, or the version a later replay
/// confirmed it under (<see cref="V1.RuleVersionConfirmed"/>). Pure; every reader of the latest
/// decisions (explain, the reactor's comparisons, refunds) goes through it, so a decision a replay
/// left unwritten reads under the version the replay confirmed. The revenue projection folds the
/// confirmation event itself, in event order (a move of the company's rows).
/// </summary>
public static class RuleConfirmations
{
    /// <summary>
    /// The decision as it stands: a replay's confirmation covers decisions stored up to its sequence.
    /// Only the latest confirmation matters: each replay confirms every decision stored before it, so a
    /// later one covers all an earlier one did.
    /// </summary>
    public static V2.AttributionDecided Effective(V2.AttributionDecided decision, long storedAt, V1.RuleVersionConfirmed? confirmation) =>
        Covers(confirmation, storedAt) && decision.RuleVersion != confirmation!.RuleVersion
            ? decision with { RuleVersion = confirmation.RuleVersion, WindowHours = confirmation.WindowHours }
            : decision;

    /// <summary>A refund carries its order's rule version (none when its order was never counted).</summary>
    public static V1.RefundDecided Effective(V1.RefundDecided refund, long storedAt, V1.RuleVersionConfirmed? confirmation) =>
        refund.RuleVersion is not null && Covers(confirmation, storedAt) && refund.RuleVersion != confirmation!.RuleVersion
            ? refund with { RuleVersion = confirmation.RuleVersion }
            : refund;

    private static bool Covers(V1.RuleVersionConfirmed? confirmation, long storedAt) =>
        confirmation is not null && storedAt <= confirmation.ThroughSequence;

    /// <summary>The latest confirmation of each company among <paramref name="companyKeys"/>.</summary>
    public static async Task<Dictionary<string, V1.RuleVersionConfirmed>> LatestAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, IReadOnlyCollection<string> companyKeys, CancellationToken ct)
    {
        var result = new Dictionary<string, V1.RuleVersionConfirmed>(StringComparer.Ordinal);
        if (companyKeys.Count == 0) return result;
        await using var cmd = new NpgsqlCommand("SELECT data FROM event_store.documents WHERE type = $1 AND id = ANY($2)", connection, transaction);
        cmd.Parameters.AddWithValue(RuleConfirmationProjection.DocumentTypeName);
        cmd.Parameters.AddWithValue(companyKeys.ToArray());
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var confirmation = StoredJson.Read<V1.RuleVersionConfirmed>(reader, 0);
            result[confirmation.CompanyKey] = confirmation;
        }
        return result;
    }

    public static async Task<V1.RuleVersionConfirmed?> LatestAsync(NpgsqlConnection connection, string companyKey, CancellationToken ct) =>
        (await LatestAsync(connection, null, [companyKey], ct)).GetValueOrDefault(companyKey);
}

/// <summary>
/// Inline: the latest <see cref="V1.RuleVersionConfirmed"/> of each company, in the transaction that
/// stores it, so no reader sees the confirmation's event without it. Documents are keyed by company.
/// </summary>
public sealed class RuleConfirmationProjection : DocumentProjection<V1.RuleVersionConfirmed>
{
    /// <summary>Per company (id = companyKey); a stored name, never renamed.</summary>
    public const string DocumentTypeName = "rule_confirmation";

    public override string Name => "rule_confirmations";

    public override string DocumentType => DocumentTypeName;

    public override IReadOnlyCollection<Type> EventTypes { get; } = [typeof(V1.RuleVersionConfirmed)];

    public override string? IdentityOf(StoredEvent e) => e.Data is V1.RuleVersionConfirmed c ? c.CompanyKey : null;

    public override V1.RuleVersionConfirmed Create(string id, StoredEvent first) => (V1.RuleVersionConfirmed)first.Data;

    public override V1.RuleVersionConfirmed Apply(V1.RuleVersionConfirmed current, StoredEvent e) =>
        e.Data is V1.RuleVersionConfirmed next && next.ThroughSequence >= current.ThroughSequence ? next : current;

    /// <summary>As <see cref="Apply"/> keeps a stored confirmation only over an older one.</summary>
    protected override string StoredWinsWhen => "(d.data->>'throughSequence')::bigint > (excluded.data->>'throughSequence')::bigint";
}
