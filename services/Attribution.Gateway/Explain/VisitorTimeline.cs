using System.Text.Json.Serialization;
using Attribution.Domain.Visitors;
using Attribution.EventStore;
using Npgsql;
using static Attribution.EventStore.StoredEvents.VisitorEvents;

namespace Attribution.Gateway.Explain;

/// <summary>
/// The explained event's visitor around it: their interactions, cart events and checkouts from one
/// attribution window before the event to one window after, read from the visitor's own stream (and
/// their FAQ stream), so an owner sees what the decision saw. Erased text is already masked in the store.
/// </summary>
public static class VisitorTimeline
{
    public const int MaxEntries = 200;

    public sealed record Entry(
        Guid EventId,
        string Kind,
        DateTimeOffset OccurredAt,
        bool Explained,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Channel = null,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? InteractionKind = null,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ConversationId = null,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? NudgeId = null,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Text = null,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? Helpful = null,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? CartType = null,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ProductName = null,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Quantity = null,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? OrderId = null,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] decimal? Value = null,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Currency = null);

    public static async Task<IReadOnlyList<Entry>> AroundAsync(
        NpgsqlDataSource db, MartenEventStore store, string companyKey, Guid eventId, string? userFingerprint,
        DateTimeOffset at, int windowHours, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        // The visitor's stream as the engine placed the event: by chat fingerprint, or its own when it carried none.
        var visitor = string.IsNullOrEmpty(userFingerprint) ? VisitorKey.Anonymous(eventId) : VisitorKey.Of(userFingerprint, null);
        var events = (await store.ReadStreamsAsync(connection, [VisitorKey.StreamId(companyKey, visitor)], ct)).Select(e => e.Data).ToList();

        // The FAQ exchanges of the FAQ fingerprint the event carried are part of the same journey.
        var faqFingerprint = events.Select(e => e switch
        {
            V1.CartEventRecorded c when c.EventId == eventId => c.UserFaqFingerprint,
            V1.CheckoutRecorded c when c.EventId == eventId => c.UserFaqFingerprint,
            _ => null,
        }).FirstOrDefault(f => !string.IsNullOrEmpty(f));
        if (faqFingerprint is not null)
            events.AddRange((await store.ReadStreamsAsync(connection, [VisitorKey.StreamId(companyKey, VisitorKey.Of(null, faqFingerprint))], ct)).Select(e => e.Data));

        var from = at.AddHours(-windowHours);
        var to = at.AddHours(windowHours);
        return events
            .Select(e => EntryOf(e, eventId))
            .OfType<Entry>()
            .Where(e => e.OccurredAt >= from && e.OccurredAt <= to)
            .DistinctBy(e => e.EventId)
            .OrderBy(e => e.OccurredAt).ThenBy(e => e.EventId)
            .Take(MaxEntries)
            .ToList();
    }

    private static Entry? EntryOf(object data, Guid explained) => data switch
    {
        V1.VisitorInteractionRecorded i => new Entry(i.EventId, "INTERACTION", i.OccurredAt, i.EventId == explained,
            Channel: i.Channel.ToString(), InteractionKind: i.Kind.ToString(), ConversationId: i.ConversationId, NudgeId: i.NudgeId,
            Text: i.Text, Helpful: i.Helpful),
        V1.CartEventRecorded c => new Entry(c.EventId, "CART", c.OccurredAt, c.EventId == explained,
            CartType: c.Type.ToString(), ProductName: c.ProductName, Quantity: c.Quantity, Value: c.Value, Currency: c.Currency),
        V1.CheckoutRecorded o => new Entry(o.EventId, "CHECKOUT", o.OccurredAt, o.EventId == explained,
            OrderId: o.OrderId, Value: o.Value, Currency: o.Currency),
        _ => null,
    };
}
