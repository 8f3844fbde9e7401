namespace Attribution.Gateway.Revenue;

/// <summary>
/// The 95 % intervals of the comparisons (contract §6), pure. Each is null when its sample cannot
/// give one (an empty group, no conversions, a single order), never a made-up figure.
/// </summary>
public static class Intervals
{
    /// <summary>The two-sided 95 % quantile of the normal distribution.</summary>
    public const double Z95 = 1.959963984540054;

    public sealed record Interval(decimal Low, decimal High)
    {
        public bool ExcludesZero => Low > 0 || High < 0;
    }

    /// <summary>
    /// (x1/n1) / (x2/n2) with its interval on the log scale (Katz):
    /// exp(ln ratio ± z·√(1/x1 − 1/n1 + 1/x2 − 1/n2)).
    /// </summary>
    public static Interval? RateRatio(int x1, int n1, int x2, int n2)
    {
        if (x1 <= 0 || x2 <= 0 || n1 <= 0 || n2 <= 0) return null;
        var ratio = (double)x1 / n1 / ((double)x2 / n2);
        var se = Math.Sqrt(1.0 / x1 - 1.0 / n1 + 1.0 / x2 - 1.0 / n2);
        return Of(ratio * Math.Exp(-Z95 * se), ratio * Math.Exp(Z95 * se));
    }

    /// <summary>
    /// mean(a) / mean(b) with its interval on the log scale (delta method):
    /// exp(ln ratio ± z·√(s²a/(na·ā²) + s²b/(nb·b̄²))), sample variances. Needs two values in each group.
    /// </summary>
    public static Interval? MeanRatio(IReadOnlyList<decimal> a, IReadOnlyList<decimal> b)
    {
        if (a.Count < 2 || b.Count < 2) return null;
        var (ma, va) = MeanAndVariance(a);
        var (mb, vb) = MeanAndVariance(b);
        if (ma <= 0 || mb <= 0) return null;
        var ratio = ma / mb;
        var se = Math.Sqrt(va / (a.Count * ma * ma) + vb / (b.Count * mb * mb));
        return Of(ratio * Math.Exp(-Z95 * se), ratio * Math.Exp(Z95 * se));
    }

    /// <summary>
    /// p2 − p1 with the Wald interval: ± z·√(p1(1−p1)/n1 + p2(1−p2)/n2). A rate above one (more
    /// orders than conversations) counts as one in the variance.
    /// </summary>
    public static Interval? RateDifference(int x1, int n1, int x2, int n2)
    {
        if (n1 <= 0 || n2 <= 0) return null;
        double p1 = (double)x1 / n1, p2 = (double)x2 / n2;
        var se = Math.Sqrt(Bernoulli(p1) / n1 + Bernoulli(p2) / n2);
        return Of(p2 - p1 - Z95 * se, p2 - p1 + Z95 * se);
    }

    /// <summary>A rate or ratio as the reads show it: four decimals.</summary>
    public static decimal Round(double value) => Math.Round((decimal)value, 4, MidpointRounding.AwayFromZero);

    public static decimal? Ratio(decimal numerator, decimal denominator) =>
        denominator == 0 ? null : Math.Round(numerator / denominator, 4, MidpointRounding.AwayFromZero);

    private static double Bernoulli(double p) => Math.Min(p, 1) * (1 - Math.Min(p, 1));

    private static Interval Of(double low, double high) => new(Round(low), Round(high));

    private static (double Mean, double Variance) MeanAndVariance(IReadOnlyList<decimal> values)
    {
        var mean = (double)values.Average();
        var variance = values.Sum(v => ((double)v - mean) * ((double)v - mean)) / (values.Count - 1);
        return (mean, variance);
    }
}
