namespace Attribution.DemoTraffic;

/// <summary>The demo running-shoe store: its products, what shoppers ask, and its nudges.</summary>
public static class DemoCatalog
{
    public sealed record Product(string Id, string Name, decimal PriceUsd, bool IsShoe);

    public static readonly IReadOnlyList<Product> Products =
    [
        new("SKU-1234", "Black Running Shoes", 79.99m, true),
        new("SKU-2101", "Trail Runner GTX", 139.99m, true),
        new("SKU-2102", "Carbon Race Flats", 219.99m, true),
        new("SKU-2103", "Stability Trainer 12", 129.99m, true),
        new("SKU-2104", "Cushioned Daily Trainer", 109.99m, true),
        new("SKU-2105", "Women's Lightweight Racer", 99.99m, true),
        new("SKU-5678", "Running Socks (2-pack)", 12.99m, false),
        new("SKU-3101", "Merino Running Socks (3-pack)", 29.99m, false),
        new("SKU-3102", "Breathable Running Shorts", 34.99m, false),
        new("SKU-3103", "Reflective Running Jacket", 89.99m, false),
        new("SKU-3104", "Hydration Belt", 24.99m, false),
        new("SKU-3105", "Performance Insoles", 39.99m, false),
    ];

    /// <summary>Shop prices per currency: converted, then rounded to a .99 price point as shops do.</summary>
    public static decimal Price(Product product, string currency) => currency switch
    {
        "USD" => product.PriceUsd,
        "EUR" => PricePoint(product.PriceUsd * 0.93m),
        "GBP" => PricePoint(product.PriceUsd * 0.80m),
        "CAD" => PricePoint(product.PriceUsd * 1.38m),
        _ => throw new ArgumentOutOfRangeException(nameof(currency), currency, "The demo store sells in USD, EUR, GBP and CAD only."),
    };

    private static decimal PricePoint(decimal amount) => Math.Max(1m, Math.Round(amount, MidpointRounding.AwayFromZero)) - 0.01m;

    /// <summary>Opening questions a shopper asks the chat assistant (real messages: they can qualify).</summary>
    public static readonly IReadOnlyList<string> ChatQuestions =
    [
        "running shoes for flat feet?",
        "Do the Black Running Shoes run small? I'm usually a 10.5",
        "What's the difference between the Stability Trainer 12 and the Cushioned Daily Trainer?",
        "I need something for trail running in wet conditions",
        "Which shoe would you recommend for my first half marathon?",
        "Do you have wide sizes?",
        "Are the Carbon Race Flats worth it for a first marathon?",
        "looking for lightweight shoes for 5k races",
        "my knees hurt after long runs, what do you recommend?",
        "I overpronate, which shoe should I get?",
        "what's the heel-to-toe drop on the daily trainer?",
        "How long does delivery take?",
        "can I return shoes if I've run in them once?",
        "Is there a discount if I buy two pairs?",
        "size guide for the women's racer?",
        "best shoes for running on a treadmill?",
        "hi! looking for a gift for my husband who just started running",
        "What socks help against blisters?",
    ];

    /// <summary>Follow-up messages in the same conversation.</summary>
    public static readonly IReadOnlyList<string> FollowUps =
    [
        "does it come in blue?",
        "and for winter running?",
        "would the insoles help with plantar fasciitis?",
        "ok and what size should I get if I'm between 9 and 9.5?",
        "how much do they weigh?",
        "is that one good for heavier runners?",
        "can I wear them for the gym too?",
        "what about the trail version?",
    ];

    /// <summary>Greetings and pleasantries only: never a real message (contract §4).</summary>
    public static readonly IReadOnlyList<string> Greetings =
    [
        "hi", "hello!", "hey there 👋", "thanks", "ok thanks, bye", "thank you so much!", "hi 🙂", "ok",
    ];

    /// <summary>What shoppers ask in the Product FAQ.</summary>
    public static readonly IReadOnlyList<string> FaqQuestions =
    [
        "Is the Trail Runner GTX waterproof?",
        "What is the return policy for worn shoes?",
        "How do the Carbon Race Flats fit compared to other brands?",
        "Are the Merino socks machine washable?",
        "Does the Reflective Running Jacket have pockets?",
        "How many miles do the Cushioned Daily Trainers last?",
    ];

    public static readonly IReadOnlyList<string> NudgeIds = ["nudge_free_shipping", "nudge_size_help", "nudge_trail_week"];
}
