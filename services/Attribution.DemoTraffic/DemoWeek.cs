using System.Globalization;
using System.Text.Json.Nodes;
using UUIDNext;

namespace Attribution.DemoTraffic;

/// <summary>Where an event is sent: inside <c>POST /v1/events/batch</c>, or to <c>POST /v1/events/refund</c> (the batch takes no refunds).</summary>
public enum DemoRoute { Batch, Refund }

/// <summary>
/// One event of the demo week. <see cref="Body"/> is exactly what is sent: a batch item (with its
/// <c>kind</c>, and <c>interactionKind</c> for interactions) or a refund body. <see cref="Key"/> is
/// the stable name the <see cref="EventId"/> is derived from; <see cref="Note"/> says why an
/// event is deliberately wrong or special (null for ordinary traffic).
/// </summary>
public sealed record DemoEvent(string Key, Guid EventId, DemoRoute Route, string Kind, DateTimeOffset OccurredAt, JsonObject Body, string? Note = null);

/// <summary>Exchange rates (units of reporting currency per unit) in force from <see cref="Date"/>.</summary>
public sealed record DemoFxRates(DateOnly Date, IReadOnlyDictionary<string, decimal> Rates);

/// <summary>The demo week: the rates to set first, then every event in <c>occurredAt</c> order.</summary>
public sealed record DemoWeekPlan(
    int Seed, DateTimeOffset From, DateTimeOffset Now, IReadOnlyList<DemoFxRates> FxRates, IReadOnlyList<DemoEvent> Events,
    int Visitors, int Orders);

/// <summary>
/// Builds a realistic week of traffic for the "Demo Running Store" (reporting currency USD).
/// Pure and deterministic: the same seed and clock give the same plan, and every event id is a
/// name-based UUID of (company, seed, visitor, step), as a storefront would make them, so sending a
/// plan twice has the effect of once.
/// </summary>
public static class DemoWeek
{
    public const int MaxDays = 25; // journeys reach up to ~2 days further back; occurredAt may be 30 days old at most

    // Relative traffic per UTC hour (the demo company's time zone is UTC): quiet nights, evening peak.
    private static readonly double[] HourWeights =
        [1.0, 0.6, 0.4, 0.3, 0.3, 0.4, 0.8, 1.5, 2.5, 3.5, 4.0, 4.2, 4.5, 4.3, 4.2, 4.3, 4.6, 5.0, 5.3, 5.5, 5.0, 4.0, 3.0, 2.0];

    /// <summary>
    /// The demo traffic of the <paramref name="days"/> calendar days (UTC) ending at
    /// <paramref name="now"/>: today up to now and the days before it. Nothing lies after now.
    /// <paramref name="companyKey"/> only scopes the event ids.
    /// </summary>
    public static DemoWeekPlan Generate(int seed, DateTimeOffset now, int days = 7, string companyKey = "")
    {
        ArgumentNullException.ThrowIfNull(companyKey);
        ArgumentOutOfRangeException.ThrowIfLessThan(days, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(days, MaxDays);
        now = WholeSeconds(now.ToUniversalTime());
        var firstDay = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero).AddDays(-(days - 1));
        var builder = new Builder(seed, now, companyKey);
        builder.Week(firstDay, days);

        var firstDate = DateOnly.FromDateTime(firstDay.UtcDateTime);
        var fx = new List<DemoFxRates> { new(firstDate, new Dictionary<string, decimal> { ["EUR"] = 1.08m, ["GBP"] = 1.27m }) };
        if (days >= 2) fx.Add(new(firstDate.AddDays(days / 2), new Dictionary<string, decimal> { ["EUR"] = 1.09m }));
        // CAD is left without a rate on purpose: its orders show under "unconverted".

        var events = builder.Events.OrderBy(e => e.OccurredAt).ToList(); // stable: generation order breaks ties
        return new DemoWeekPlan(seed, firstDay, now, fx, events, builder.VisitorsSeen.Count, builder.Orders);
    }

    private static DateTimeOffset WholeSeconds(DateTimeOffset at) =>
        new(at.UtcTicks - at.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero);

    /// <summary>The demo traffic's own namespace for name-based ids.</summary>
    private static readonly Guid DemoNamespace = new("3b1f6c0e-9a4d-4e57-8c2b-d0a7e5f41c96");

    /// <summary>A name-based (version 5, UUIDNext) UUID of the company, the seed and the event's key.</summary>
    public static Guid EventIdOf(string companyKey, int seed, string key) =>
        Uuid.NewNameBased(DemoNamespace, $"{companyKey}:{seed.ToString(CultureInfo.InvariantCulture)}:{key}");

    private static readonly double TotalHourWeight = HourWeights.Sum();

    private enum Mistake { None, MisspelledCartType, LowerCaseCartType, CheckoutWithoutOrderId, DuplicateCheckout, DecreaseBelowZero, LineItemCurrencyMismatch }

    private sealed record Order(string Key, string OrderId, DateTimeOffset At, decimal Value, string Currency, List<(DemoCatalog.Product Product, int Quantity, decimal Price)> Lines);

    private sealed class Builder(int seed, DateTimeOffset now, string companyKey)
    {
        private readonly Random _rng = new(seed);
        private readonly List<Order> _refundable = [];
        private int _orderNumber;

        public List<DemoEvent> Events { get; } = [];
        /// <summary>Shoppers with at least one event (a visitor who only browsed sends nothing).</summary>
        public HashSet<string> VisitorsSeen { get; } = [];
        public int Orders { get; private set; }

        public void Week(DateTimeOffset firstDay, int days)
        {
            for (var d = 0; d < days; d++)
            {
                var day = firstDay.AddDays(d);
                var weekend = day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;
                var visitors = (int)((300 + _rng.Next(201)) * (weekend ? 1.1 : 1.0));
                for (var i = 0; i < visitors; i++)
                    Visitor($"d{d}v{i}", day.AddSeconds(HourOfDay() * 3600 + _rng.Next(3600)), Mistake.None);
            }

            // The mistakes the seed documents call out, each on a shopper of its own somewhere in the
            // past days (relative to now, so they are always there however late in the day it is).
            Mistake[] mistakes =
            [
                Mistake.MisspelledCartType, Mistake.MisspelledCartType, Mistake.LowerCaseCartType,
                Mistake.CheckoutWithoutOrderId, Mistake.CheckoutWithoutOrderId,
                Mistake.DuplicateCheckout, Mistake.DuplicateCheckout, Mistake.DuplicateCheckout,
                Mistake.DecreaseBelowZero, Mistake.DecreaseBelowZero,
                Mistake.LineItemCurrencyMismatch, Mistake.LineItemCurrencyMismatch,
            ];
            var hours = Math.Max(4, (now - firstDay).TotalHours);
            for (var m = 0; m < mistakes.Length; m++)
                Visitor($"m{m}", now.AddHours(-(3 + _rng.NextDouble() * (hours - 3))), mistakes[m]);

            // Orders taken without any fingerprint (say, by phone, sent server-side): lower fingerprint coverage.
            for (var a = 0; a < 4; a++)
                AnonymousOrder($"a{a}", now.AddHours(-(2 + _rng.NextDouble() * (hours - 2))), test: false);
            // A test order: recorded, never counted.
            AnonymousOrder("t0", now.AddHours(-(1 + _rng.NextDouble() * 20)), test: true);

            Refunds();
        }

        private double HourOfDay()
        {
            var x = _rng.NextDouble() * TotalHourWeight;
            for (var h = 0; h < HourWeights.Length; h++)
            {
                x -= HourWeights[h];
                if (x < 0) return h;
            }
            return HourWeights.Length - 1;
        }

        private sealed class Journey(string key)
        {
            public string Key { get; } = key;
            public int Step { get; set; }
            public required string Fingerprint { get; init; }
            public required string? FaqFingerprint { get; init; }
            public required string Variant { get; init; }
            public required string Currency { get; init; }
            public DateTimeOffset At { get; set; }
            public DateTimeOffset LastInteraction { get; set; }
            public bool Engaged { get; set; }
            public bool Qualified { get; set; }
        }

        private void Visitor(string key, DateTimeOffset start, Mistake mistake)
        {
            var j = new Journey(key)
            {
                Fingerprint = "fp_" + Hex(16),
                FaqFingerprint = _rng.NextDouble() < 0.35 ? "faq_" + Hex(12) : null,
                Variant = _rng.Next(2) == 0 ? "A" : "B",
                Currency = mistake == Mistake.LineItemCurrencyMismatch ? "EUR" : PickCurrency(),
                At = start,
                LastInteraction = start,
            };
            var b = j.Variant == "B";

            if (_rng.NextDouble() < 0.7) Interaction(j, "CHAT", "WIDGET_LOADED", null);

            var chat = _rng.NextDouble() < 0.25;
            var faq = j.FaqFingerprint is not null && _rng.NextDouble() < 0.3;
            var faqFirst = _rng.NextDouble() < 0.5;
            if (faq && faqFirst) FaqExchange(j);
            if (chat) ChatConversation(j);
            if (faq && !faqFirst) FaqExchange(j);
            if (_rng.NextDouble() < 0.2) Nudge(j);

            var forced = mistake != Mistake.None;
            // Variant B (the A/B arm under test) answers a little more helpfully and converts slightly better.
            var pCart = j.Qualified ? (b ? 0.33 : 0.30) : j.Engaged ? 0.20 : 0.14;
            if (!(_rng.NextDouble() < pCart || forced)) return;

            var cart = Cart(j, mistake);
            if (cart is null || cart.Count == 0) return;

            var pCheckout = j.Qualified ? (b ? 0.54 : 0.50) : 0.40;
            var forceCheckout = mistake is Mistake.CheckoutWithoutOrderId or Mistake.DuplicateCheckout
                or Mistake.LineItemCurrencyMismatch or Mistake.MisspelledCartType or Mistake.LowerCaseCartType;
            if (!(_rng.NextDouble() < pCheckout || forceCheckout)) return;

            var timing = _rng.NextDouble();
            if (j.Qualified && timing < 0.12 && !forced)
                j.At = j.LastInteraction.AddHours(26 + _rng.NextDouble() * 26); // came back after the 24 h window: unattributed
            else if (j.Qualified && timing < 0.30 && !forced)
                j.At = j.LastInteraction.AddHours(2 + _rng.NextDouble() * 20); // came back within the window
            else
                j.At = j.At.AddSeconds(180 + _rng.Next(1500));
            Checkout(j, cart, mistake);
        }

        private void ChatConversation(Journey j)
        {
            j.Engaged = true;
            var conversation = "conv_" + Hex(12);
            var greetingOnly = _rng.NextDouble() < 0.15;
            var messages = new List<string>();
            if (greetingOnly)
            {
                messages.Add(Pick(DemoCatalog.Greetings));
                if (_rng.NextDouble() < 0.4) messages.Add(Pick(DemoCatalog.Greetings));
            }
            else
            {
                if (_rng.NextDouble() < 0.3) messages.Add(Pick(DemoCatalog.Greetings));
                messages.Add(Pick(DemoCatalog.ChatQuestions));
                for (var n = _rng.Next(3); n > 0; n--) messages.Add(Pick(DemoCatalog.FollowUps));
            }

            var pHelpful = j.Variant == "B" ? 0.78 : 0.72;
            var helpfulSeen = false;
            foreach (var text in messages)
            {
                j.At = j.At.AddSeconds(15 + _rng.Next(90));
                Interaction(j, "CHAT", "SHOPPER_MESSAGE", body => { body["conversationId"] = conversation; body["text"] = text; });
                j.At = j.At.AddSeconds(3 + _rng.Next(8));
                var helpful = _rng.NextDouble() < (greetingOnly ? 0.6 : pHelpful);
                helpfulSeen |= helpful;
                Interaction(j, "CHAT", "ASSISTANT_ANSWER", body => { body["conversationId"] = conversation; body["helpful"] = helpful; });
            }
            if (!greetingOnly && helpfulSeen) j.Qualified = true;
        }

        private void FaqExchange(Journey j)
        {
            j.Engaged = true;
            var conversation = "faqc_" + Hex(12);
            var helpfulSeen = false;
            for (var n = 1 + _rng.Next(2); n > 0; n--)
            {
                j.At = j.At.AddSeconds(20 + _rng.Next(120));
                var text = Pick(DemoCatalog.FaqQuestions);
                Interaction(j, "FAQ", "SHOPPER_MESSAGE", body => { body["conversationId"] = conversation; body["text"] = text; });
                j.At = j.At.AddSeconds(1 + _rng.Next(3));
                var helpful = _rng.NextDouble() < 0.8;
                helpfulSeen |= helpful;
                Interaction(j, "FAQ", "ASSISTANT_ANSWER", body => { body["conversationId"] = conversation; body["helpful"] = helpful; });
            }
            if (helpfulSeen) j.Qualified = true;
        }

        private void Nudge(Journey j)
        {
            var nudge = Pick(DemoCatalog.NudgeIds);
            j.At = j.At.AddSeconds(10 + _rng.Next(120));
            Interaction(j, "NUDGE", "NUDGE_SHOWN", body => body["nudgeId"] = nudge);
            if (_rng.NextDouble() >= 0.35) return;
            j.At = j.At.AddSeconds(2 + _rng.Next(20));
            Interaction(j, "NUDGE", "NUDGE_CLICKED", body => body["nudgeId"] = nudge);
            j.Engaged = true;
            j.Qualified = true;
        }

        /// <summary>The cart a visitor builds (product → quantity), or null when it went wrong on purpose.</summary>
        private Dictionary<DemoCatalog.Product, int>? Cart(Journey j, Mistake mistake)
        {
            var cart = new Dictionary<DemoCatalog.Product, int>();
            j.At = j.At.AddSeconds(60 + _rng.Next(420));

            var shoes = DemoCatalog.Products.Where(p => p.IsShoe).ToList();
            var extras = DemoCatalog.Products.Where(p => !p.IsShoe).ToList();
            var first = _rng.NextDouble() < 0.8 ? Pick(shoes) : Pick(extras);
            var firstQuantity = _rng.NextDouble() < 0.1 ? 2 : 1;
            var type = mistake switch
            {
                Mistake.MisspelledCartType => "ITEMS_ADD",
                Mistake.LowerCaseCartType => "item_added",
                _ => "ITEM_ADDED",
            };
            var note = mistake switch
            {
                Mistake.MisspelledCartType => "misspelled cart type ITEMS_ADD (rejected)",
                Mistake.LowerCaseCartType => "lower-case cart type item_added (rejected)",
                _ => null,
            };
            CartEvent(j, type, first, firstQuantity, note);
            cart[first] = firstQuantity;

            if (mistake == Mistake.DecreaseBelowZero)
            {
                // The storefront sends the new total as if it were the change: 1 → 0 becomes "decrease by 2".
                j.At = j.At.AddSeconds(30 + _rng.Next(300));
                CartEvent(j, "QUANTITY_DECREASED", first, firstQuantity + 1, "decrease below zero: totals sent as changes");
                return null;
            }

            if (_rng.NextDouble() < 0.45)
            {
                var extra = Pick(extras.Where(p => !cart.ContainsKey(p)).ToList());
                j.At = j.At.AddSeconds(20 + _rng.Next(300));
                CartEvent(j, "ITEM_ADDED", extra, 1, null);
                cart[extra] = 1;
            }
            if (_rng.NextDouble() < 0.12)
            {
                var line = Pick(cart.Keys.ToList());
                j.At = j.At.AddSeconds(20 + _rng.Next(240));
                CartEvent(j, "QUANTITY_INCREASED", line, 1, null);
                cart[line]++;
            }
            if (_rng.NextDouble() < 0.1 && cart.Any(l => l.Value > 1))
            {
                var line = Pick(cart.Where(l => l.Value > 1).Select(l => l.Key).ToList());
                j.At = j.At.AddSeconds(20 + _rng.Next(240));
                CartEvent(j, "QUANTITY_DECREASED", line, 1, null);
                cart[line]--;
            }
            if (_rng.NextDouble() < 0.12 && mistake == Mistake.None)
            {
                var line = Pick(cart.Keys.ToList());
                j.At = j.At.AddSeconds(20 + _rng.Next(240));
                CartEvent(j, "ITEM_REMOVED", line, cart[line], null);
                cart.Remove(line);
            }
            return cart;
        }

        private void Checkout(Journey j, Dictionary<DemoCatalog.Product, int> cart, Mistake mistake)
        {
            var lines = cart.Select(l => (Product: l.Key, Quantity: l.Value, Price: DemoCatalog.Price(l.Key, j.Currency))).ToList();
            var total = lines.Sum(l => l.Price * l.Quantity);
            var orderId = mistake == Mistake.CheckoutWithoutOrderId ? null : NextOrderId();
            var lineItems = new JsonArray();
            for (var i = 0; i < lines.Count; i++)
            {
                // A storefront bug: one line item priced in USD on a EUR order (the whole checkout is rejected).
                var currency = mistake == Mistake.LineItemCurrencyMismatch && i == 0 ? "USD" : j.Currency;
                var price = currency == j.Currency ? lines[i].Price : lines[i].Product.PriceUsd;
                lineItems.Add(new JsonObject
                {
                    ["productId"] = lines[i].Product.Id,
                    ["productName"] = lines[i].Product.Name,
                    ["quantity"] = lines[i].Quantity,
                    ["value"] = price,
                    ["currency"] = currency,
                });
            }
            var body = new JsonObject { ["kind"] = "checkout" };
            AddFingerprints(body, j.Fingerprint, j.FaqFingerprint);
            if (orderId is not null) body["orderId"] = orderId;
            body["value"] = total;
            body["currency"] = j.Currency;
            body["lineItems"] = lineItems;

            var note = mistake switch
            {
                Mistake.CheckoutWithoutOrderId => "checkout without orderId",
                Mistake.LineItemCurrencyMismatch => "line-item currency mismatch (rejected)",
                _ => null,
            };
            var emitted = Emit(j.Key, j.Step++, DemoRoute.Batch, "checkout", j.At, body, note);
            if (!emitted || mistake == Mistake.LineItemCurrencyMismatch) return;
            Orders++;
            if (orderId is null) return;

            if (mistake == Mistake.DuplicateCheckout)
            {
                // The thank-you page is refreshed: the same order again, with a new event id.
                j.At = j.At.AddSeconds(5 + _rng.Next(40));
                Emit(j.Key, j.Step++, DemoRoute.Batch, "checkout", j.At, (JsonObject)body.DeepClone(), "duplicate checkout (thank-you page refresh)");
            }
            else if (mistake == Mistake.None)
            {
                _refundable.Add(new Order(j.Key, orderId, j.At, total, j.Currency, lines));
            }
        }

        private void AnonymousOrder(string key, DateTimeOffset at, bool test)
        {
            var product = Pick(DemoCatalog.Products.Where(p => p.IsShoe).ToList());
            var price = DemoCatalog.Price(product, "USD");
            var body = new JsonObject
            {
                ["kind"] = "checkout",
                ["orderId"] = test ? $"TEST-{seed}-1" : NextOrderId(),
                ["value"] = price,
                ["currency"] = "USD",
                ["lineItems"] = new JsonArray(new JsonObject
                {
                    ["productId"] = product.Id, ["productName"] = product.Name, ["quantity"] = 1, ["value"] = price, ["currency"] = "USD",
                }),
            };
            if (test)
            {
                body["test"] = true;
                AddFingerprints(body, "fp_" + Hex(16), null);
            }
            if (Emit(key, 0, DemoRoute.Batch, "checkout", at, body, test ? "test order (recorded, never counted)" : "order without fingerprint") && !test)
                Orders++;
        }

        private void Refunds()
        {
            var candidates = _refundable.Where(o => o.At <= now.AddHours(-36)).ToList();
            var chosen = new List<Order>();
            for (var n = 0; n < 3 && candidates.Count > 0; n++)
            {
                var order = candidates[_rng.Next(candidates.Count)];
                candidates.Remove(order);
                chosen.Add(order);
            }
            for (var n = 0; n < chosen.Count; n++)
            {
                var order = chosen[n];
                var amount = n switch
                {
                    0 => order.Value, // the whole order comes back
                    1 => order.Lines[0].Price, // one pair returned
                    _ => Math.Min(order.Value, 10.00m), // a goodwill credit
                };
                var at = order.At.AddHours(18 + _rng.NextDouble() * 20);
                if (at > now) at = now.AddMinutes(-1);
                var body = new JsonObject
                {
                    ["refundId"] = $"RF-{seed}-{n + 1}",
                    ["orderId"] = order.OrderId,
                    ["amount"] = amount,
                    ["currency"] = order.Currency,
                };
                Emit($"r{n}", 0, DemoRoute.Refund, "refund", at, body, null);
            }
        }

        private void Interaction(Journey j, string channel, string kind, Action<JsonObject>? fill)
        {
            var body = new JsonObject { ["kind"] = "interaction", ["interactionKind"] = kind, ["channel"] = channel };
            // CHAT and NUDGE are keyed by the chat fingerprint; FAQ by the FAQ fingerprint alone
            // (the FAQ backend knows only its own id; the engine joins them through the cart events).
            if (channel == "FAQ") body["userFaqFingerprint"] = j.FaqFingerprint;
            else body["userFingerprint"] = j.Fingerprint;
            fill?.Invoke(body);
            body["variant"] = j.Variant;
            Emit(j.Key, j.Step++, DemoRoute.Batch, "interaction/" + kind, j.At, body, null);
            j.LastInteraction = j.At;
        }

        private void CartEvent(Journey j, string type, DemoCatalog.Product product, int quantity, string? note)
        {
            var body = new JsonObject { ["kind"] = "cart" };
            AddFingerprints(body, j.Fingerprint, j.FaqFingerprint);
            body["type"] = type;
            body["productId"] = product.Id;
            body["productName"] = product.Name;
            body["value"] = DemoCatalog.Price(product, j.Currency);
            body["currency"] = j.Currency;
            body["quantity"] = quantity;
            Emit(j.Key, j.Step++, DemoRoute.Batch, "cart/" + type, j.At, body, note);
        }

        private static void AddFingerprints(JsonObject body, string fingerprint, string? faqFingerprint)
        {
            body["userFingerprint"] = fingerprint;
            if (faqFingerprint is not null) body["userFaqFingerprint"] = faqFingerprint;
        }

        /// <summary>Adds the event unless it lies after now (a journey still going on); true when added.</summary>
        private bool Emit(string key, int step, DemoRoute route, string kind, DateTimeOffset at, JsonObject body, string? note)
        {
            at = WholeSeconds(at);
            if (at > now) return false;
            var eventKey = $"{key}/{step}";
            var id = EventIdOf(companyKey, seed, eventKey);
            var content = new JsonObject { ["eventId"] = id.ToString() };
            foreach (var (name, value) in body) content[name] = value?.DeepClone();
            content["occurredAt"] = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            Events.Add(new DemoEvent(eventKey, id, route, kind, at, content, note));
            if (key[0] is 'd' or 'm') VisitorsSeen.Add(key);
            return true;
        }

        private string NextOrderId() => $"ORDER-{seed}-{++_orderNumber:D5}";

        private string PickCurrency()
        {
            var x = _rng.NextDouble();
            return x < 0.82 ? "USD" : x < 0.90 ? "EUR" : x < 0.97 ? "GBP" : "CAD";
        }

        private T Pick<T>(IReadOnlyList<T> items) => items[_rng.Next(items.Count)];

        private string Hex(int length)
        {
            var bytes = new byte[(length + 1) / 2];
            _rng.NextBytes(bytes);
            return Convert.ToHexStringLower(bytes)[..length];
        }
    }
}
