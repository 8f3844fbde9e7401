using System.Text.Json;
using System.Text.Json.Nodes;
using Attribution.Contracts.Ingestion;
using Attribution.Gateway.Ingestion.Batch;
using Attribution.Gateway.Ingestion.Validation;
using Attribution.Domain.Companies;

namespace Attribution.UnitTests.Ingestion.Batch;

public sealed class BatchValidationTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    private static readonly Company Shop = new() { CompanyKey = "ck_test", Name = "Shop", ReportingCurrency = "USD" };

    private const string CartEventId = "5f0c6a3e-2b1d-4c7a-9e8f-0a1b2c3d4e5f";
    private const string CheckoutEventId = "0b9e7c1a-4d2f-4e6b-8a3c-9f1e2d3c4b5a";

    private static JsonObject Cart() => new()
    {
        ["kind"] = "cart",
        ["eventId"] = CartEventId,
        ["userFingerprint"] = "fp_1",
        ["type"] = "ITEM_ADDED",
        ["productId"] = "SKU-1234",
        ["productName"] = "Black Running Shoes",
        ["value"] = 79.99m,
        ["currency"] = "USD",
        ["quantity"] = 1,
    };

    private static JsonObject Checkout() => new()
    {
        ["kind"] = "checkout",
        ["eventId"] = CheckoutEventId,
        ["userFingerprint"] = "fp_1",
        ["orderId"] = "ORDER-7890",
        ["value"] = 79.99m,
        ["currency"] = "USD",
    };

    // An interaction that the single endpoint would accept, plus the batch kind (which then replaces the interaction's own kind).
    private static JsonObject Interaction() => new()
    {
        ["kind"] = "interaction",
        ["userFingerprint"] = "fp_1",
        ["channel"] = "CHAT",
        ["conversationId"] = "conv_42",
        ["text"] = "running shoes for flat feet?",
    };

    private static JsonObject Batch(params JsonNode[] events) => new() { ["events"] = new JsonArray(events.Select(e => e.DeepClone()).ToArray()) };

    private static (IReadOnlyList<BatchEndpoint.BatchItem>? Items, FieldErrors Errors) Run(
        JsonNode body, bool isServer = false, Company? company = null) => Run(body.ToJsonString(), isServer, company);

    private static (IReadOnlyList<BatchEndpoint.BatchItem>? Items, FieldErrors Errors) Run(
        string json, bool isServer = false, Company? company = null)
    {
        using var doc = JsonDocument.Parse(json);
        return BatchEndpoint.Validate(doc.RootElement, company ?? Shop, isServer, Now);
    }

    [TestCase(true, CheckoutSources.Server, TestName = "A checkout in a batch sent with the apiSecret is verified")]
    [TestCase(false, CheckoutSources.Browser, TestName = "A checkout in a batch sent with the public key is a browser copy")]
    public void A_checkout_carries_who_vouches_for_it(bool isServer, string source)
    {
        var (items, _) = Run(Batch(Checkout()), isServer);
        Assert.That(((CheckoutCompleted)items!.Single().Message!).Source, Is.EqualTo(source));
    }

    [Test]
    public void Valid_cart_and_checkout_events_each_become_an_accepted_item()
    {
        var (items, errors) = Run(Batch(Cart(), Checkout()));

        Assert.That(errors.IsEmpty, Is.True);
        Assert.That(items, Has.Count.EqualTo(2));
        Assert.That(items![0].Index, Is.Zero);
        Assert.That(items[0].Kind, Is.EqualTo("cart"));
        Assert.That(items[0].Message, Is.InstanceOf<CartEventReceived>());
        Assert.That(items[0].EventId, Is.EqualTo(Guid.Parse(CartEventId)));
        Assert.That(items[0].Errors.IsEmpty, Is.True);
        Assert.That(items[1].Index, Is.EqualTo(1));
        Assert.That(items[1].Kind, Is.EqualTo("checkout"));
        Assert.That(items[1].Message, Is.InstanceOf<CheckoutCompleted>());
        Assert.That(items[1].EventId, Is.EqualTo(Guid.Parse(CheckoutEventId)));
        Assert.That(((CheckoutCompleted)items[1].Message!).CompanyKey, Is.EqualTo("ck_test"));
    }

    [Test]
    public void An_event_without_an_event_id_gets_one_and_the_item_carries_it()
    {
        var cart = Cart();
        cart.Remove("eventId");

        var item = Run(Batch(cart)).Items![0];

        Assert.That(item.EventId, Is.Not.EqualTo(Guid.Empty));
        Assert.That(item.EventId, Is.EqualTo(((CartEventReceived)item.Message!).EventId));
    }

    [Test]
    public void Mixed_valid_and_invalid_events_keep_their_order_and_indexes()
    {
        var badCheckout = Checkout();
        badCheckout.Remove("currency");
        var badCart = Cart();
        badCart["type"] = "item_added";
        badCart["quantity"] = 0;

        var (items, errors) = Run(Batch(Cart(), badCheckout, Checkout(), new JsonObject { ["kind"] = "pageview" }, badCart));

        Assert.That(errors.IsEmpty, Is.True, "per-event problems are not top-level errors");
        Assert.That(items!.Count, Is.EqualTo(5));
        Assert.That(items.Select(i => i.Index), Is.EqualTo(new[] { 0, 1, 2, 3, 4 }));
        Assert.That(items.Select(i => i.Kind), Is.EqualTo(new[] { "cart", "checkout", "checkout", "pageview", "cart" }));
        Assert.That(items.Select(i => i.Message is not null), Is.EqualTo(new[] { true, false, true, false, false }));

        Assert.That(items[1].Errors.ToDictionary().Keys, Is.EquivalentTo(new[] { "currency" }));
        Assert.That(items[1].EventId, Is.EqualTo(Guid.Empty));
        Assert.That(items[3].Errors.ToDictionary().Keys, Is.EquivalentTo(new[] { "kind" }));
        Assert.That(items[4].Errors.ToDictionary().Keys, Is.EquivalentTo(new[] { "type", "quantity" }));
        Assert.That(items[4].Errors.Reasons, Does.Contain(RejectionReasons.UnknownCartType));
    }

    [Test]
    public void An_event_with_a_control_character_is_refused_alone()
    {
        var nul = Cart();
        nul["productName"] = "Black\0Shoes";
        var rounded = Checkout();
        rounded["value"] = JsonNode.Parse("79.99000000000000000000000000001");

        var (items, errors) = Run(Batch(Cart(), nul, rounded, Checkout()));

        Assert.That(errors.IsEmpty, Is.True);
        Assert.That(items!.Select(i => i.Message is not null), Is.EqualTo(new[] { true, false, false, true }));
        Assert.That(items![1].Errors.ToDictionary().Keys, Is.EquivalentTo(new[] { "productName" }));
        Assert.That(items[2].Errors.ToDictionary().Keys, Is.EquivalentTo(new[] { "value" }));
    }

    [Test]
    public void Per_event_error_keys_are_the_event_fields_without_an_index_prefix()
    {
        var checkout = Checkout();
        checkout["lineItems"] = new JsonArray(new JsonObject { ["productId"] = "SKU-1" });

        var item = Run(Batch(Cart(), checkout)).Items![1];

        Assert.That(item.Errors.ToDictionary().Keys, Is.EquivalentTo(new[]
        {
            "lineItems[0].productName", "lineItems[0].quantity", "lineItems[0].value", "lineItems[0].currency",
        }));
    }

    [Test]
    public void An_interaction_from_a_browser_key_is_refused_per_event()
    {
        var (items, errors) = Run(Batch(Cart(), Interaction()), isServer: false);

        Assert.That(errors.IsEmpty, Is.True);
        Assert.That(items![0].Message, Is.Not.Null, "the cart event next to it still goes through");
        Assert.That(items[1].Kind, Is.EqualTo("interaction"));
        Assert.That(items[1].Message, Is.Null);
        Assert.That(items[1].EventId, Is.EqualTo(Guid.Empty));
        Assert.That(items[1].Errors.ToDictionary().Keys, Is.EquivalentTo(new[] { "kind" }));
        Assert.That(items[1].Errors.Reasons, Is.EquivalentTo(new[] { RejectionReasons.NotAllowedForKey }));
    }

    [Test]
    public void An_interaction_from_a_browser_key_is_refused_even_when_malformed()
    {
        var (items, _) = Run(Batch(new JsonObject { ["kind"] = "interaction" }), isServer: false);

        Assert.That(items![0].Errors.ToDictionary().Keys, Is.EquivalentTo(new[] { "kind" }));
        Assert.That(items[0].Errors.Reasons, Is.EquivalentTo(new[] { RejectionReasons.NotAllowedForKey }));
    }

    [Test]
    public void An_interaction_from_the_server_goes_to_the_interaction_validator()
    {
        var interaction = Interaction();
        interaction.Remove("channel");

        var (items, _) = Run(Batch(interaction), isServer: true);

        Assert.That(items![0].Message, Is.Null);
        Assert.That(items[0].Errors.Reasons, Does.Not.Contain(RejectionReasons.NotAllowedForKey));
        Assert.That(items[0].Errors.ToDictionary().Keys, Does.Contain("channel"));
    }

    [Test]
    // An interaction's body has its own "kind", so a batch item carries it as interactionKind,
    // or uses the interaction kind itself as the item's kind.
    [TestCase("""{"kind":"interaction","interactionKind":"SHOPPER_MESSAGE",FIELDS}""")]
    [TestCase("""{"kind":"SHOPPER_MESSAGE",FIELDS}""")]
    public void A_well_formed_interaction_from_the_server_is_accepted_in_a_batch(string shape)
    {
        const string Fields = "\"userFingerprint\":\"fp_1\",\"channel\":\"CHAT\",\"conversationId\":\"conv_42\",\"text\":\"do these run small?\"";

        var item = Run($$"""{"events":[{{shape.Replace("FIELDS", Fields, StringComparison.Ordinal)}}]}""", isServer: true).Items![0];

        Assert.That(item.Errors.IsEmpty, Is.True, string.Join(" | ", item.Errors.ToDictionary().Select(e => $"{e.Key}: {e.Value[0]}")));
        Assert.That(item.Kind, Is.EqualTo("interaction"));
        Assert.That(item.Message, Is.InstanceOf<InteractionRecorded>());
        Assert.That(((InteractionRecorded)item.Message!).Kind, Is.EqualTo(InteractionKind.SHOPPER_MESSAGE));
    }

    [Test]
    public void A_batched_interaction_without_its_interaction_kind_names_interactionKind()
    {
        var item = Run("""{"events":[{"kind":"interaction","userFingerprint":"fp_1","channel":"CHAT"}]}""", isServer: true).Items![0];

        Assert.That(item.Message, Is.Null);
        Assert.That(item.Errors.ToDictionary().Keys, Is.EquivalentTo(new[] { "interactionKind" }));
    }

    // a batch event as JSON, expected reason for its "kind" error, expected item kind
    private static IEnumerable<TestCaseData> BadKinds()
    {
        yield return new TestCaseData("""{"kind":"pageview"}""", RejectionReasons.InvalidField, "pageview").SetName("unknown kind");
        yield return new TestCaseData("""{"kind":"refund","refundId":"R-1","orderId":"O-1","amount":1,"currency":"USD"}""", RejectionReasons.InvalidField, "refund").SetName("refund is not batchable");
        yield return new TestCaseData("""{"kind":"Cart"}""", RejectionReasons.InvalidField, "Cart").SetName("kind is case-sensitive");
        yield return new TestCaseData("""{"kind":"ITEM_ADDED"}""", RejectionReasons.InvalidField, "ITEM_ADDED").SetName("a cart type is no kind");
        yield return new TestCaseData("""{"kind":""}""", RejectionReasons.MissingField, "unknown").SetName("kind empty");
        yield return new TestCaseData("""{"type":"ITEM_ADDED"}""", RejectionReasons.MissingField, "unknown").SetName("kind missing");
        yield return new TestCaseData("""{"kind":null}""", RejectionReasons.MissingField, "unknown").SetName("kind null");
        yield return new TestCaseData("""{"kind":1}""", RejectionReasons.MissingField, "unknown").SetName("kind a number");
        yield return new TestCaseData("\"cart\"", RejectionReasons.MissingField, "unknown").SetName("event a string");
        yield return new TestCaseData("[]", RejectionReasons.MissingField, "unknown").SetName("event an array");
        yield return new TestCaseData("null", RejectionReasons.MissingField, "unknown").SetName("event null");
    }

    [TestCaseSource(nameof(BadKinds))]
    public void An_event_without_a_known_kind_is_rejected_on_kind(string eventJson, string reason, string itemKind)
    {
        var (items, errors) = Run($$"""{"events":[{{eventJson}}]}""", isServer: true);

        Assert.That(errors.IsEmpty, Is.True);
        Assert.That(items, Has.Count.EqualTo(1));
        Assert.That(items![0].Kind, Is.EqualTo(itemKind));
        Assert.That(items[0].Message, Is.Null);
        Assert.That(items[0].Errors.ToDictionary().Keys, Is.EquivalentTo(new[] { "kind" }));
        Assert.That(items[0].Errors.Reasons, Is.EquivalentTo(new[] { reason }));
    }

    // whole body as JSON, expected top-level error key
    private static IEnumerable<TestCaseData> BadBatches()
    {
        yield return new TestCaseData("{}", "events").SetName("events missing");
        yield return new TestCaseData("""{"events":null}""", "events").SetName("events null");
        yield return new TestCaseData("""{"events":{}}""", "events").SetName("events an object");
        yield return new TestCaseData("""{"events":"cart"}""", "events").SetName("events a string");
        yield return new TestCaseData("""{"events":[]}""", "events").SetName("events empty");
        yield return new TestCaseData("""{"Events":[{"kind":"cart"}]}""", "events").SetName("events is case-sensitive");
        yield return new TestCaseData("[]", "body").SetName("body an array");
        yield return new TestCaseData("\"events\"", "body").SetName("body a string");
    }

    [TestCaseSource(nameof(BadBatches))]
    public void A_batch_without_a_usable_events_array_is_rejected_as_a_whole(string json, string expectedKey)
    {
        var (items, errors) = Run(json);

        Assert.That(items, Is.Null);
        Assert.That(errors.ToDictionary().Keys, Is.EquivalentTo(new[] { expectedKey }));
    }

    [Test]
    public void A_missing_events_array_is_a_missing_field()
    {
        var (_, errors) = Run("{}");

        Assert.That(errors.Reasons, Is.EquivalentTo(new[] { RejectionReasons.MissingField }));
    }

    [Test]
    public void More_than_500_events_are_rejected_as_a_whole()
    {
        var events = Enumerable.Range(0, BatchEndpoint.MaxEvents + 1).Select(_ => (JsonNode)Cart()).ToArray();

        var (items, errors) = Run(Batch(events));

        Assert.That(items, Is.Null);
        Assert.That(errors.ToDictionary().Keys, Is.EquivalentTo(new[] { "events" }));
        Assert.That(errors.ToDictionary()["events"][0], Does.Contain("500"));
    }

    [Test]
    public void Exactly_500_events_are_accepted()
    {
        var events = Enumerable.Range(0, BatchEndpoint.MaxEvents).Select(_ => (JsonNode)Cart()).ToArray();

        var (items, errors) = Run(Batch(events));

        Assert.That(errors.IsEmpty, Is.True);
        Assert.That(items, Has.Count.EqualTo(500));
        Assert.That(items!.Select(i => i.Index), Is.EqualTo(Enumerable.Range(0, 500)));
        Assert.That(items.Select(i => i.Message), Has.None.Null);
    }

    [Test]
    public void The_company_quantity_mode_applies_to_batched_cart_events()
    {
        var cart = Cart();
        cart["type"] = "ITEM_REMOVED";
        cart["quantity"] = 0;
        var totals = Shop with { QuantityMode = QuantityMode.TOTAL };

        var inTotalMode = Run(Batch(cart), company: totals).Items![0];
        var inChangeMode = Run(Batch(cart), company: Shop).Items![0];

        Assert.That(((CartEventReceived)inTotalMode.Message!).Quantity, Is.Zero);
        Assert.That(inChangeMode.Errors.ToDictionary().Keys, Is.EquivalentTo(new[] { "quantity" }));
    }

    [Test]
    public void Events_are_stamped_with_the_callers_company_key()
    {
        var other = Shop with { CompanyKey = "ck_other" };

        var items = Run(Batch(Cart(), Checkout()), company: other).Items!;

        Assert.That(((CartEventReceived)items[0].Message!).CompanyKey, Is.EqualTo("ck_other"));
        Assert.That(((CheckoutCompleted)items[1].Message!).CompanyKey, Is.EqualTo("ck_other"));
    }

    [Test]
    public void A_browser_and_a_server_key_validate_cart_and_checkout_alike()
    {
        var bad = Checkout();
        bad["value"] = -1;

        var fromBrowser = Run(Batch(Cart(), bad), isServer: false).Items!;
        var fromServer = Run(Batch(Cart(), bad), isServer: true).Items!;

        Assert.That(fromBrowser.Select(i => i.Message is null), Is.EqualTo(fromServer.Select(i => i.Message is null)));
        Assert.That(fromBrowser[1].Errors.ToDictionary().Keys, Is.EquivalentTo(fromServer[1].Errors.ToDictionary().Keys));
    }
}
