using Attribution.Gateway.Auth;
using Attribution.Gateway.Http;
using Attribution.ServiceDefaults.Companies;

namespace Attribution.Gateway.Revenue;

/// <summary>
/// The Revenue Impact reads of contract §6 (apiSecret): summary, daily figures, daily cart GMV, lift,
/// channels, products, variants, and one conversation's revenue. Dates are the company's days; amounts in its reporting currency
/// unless <c>?currency=</c> asks for another. Reads are eventually consistent with ingestion.
/// </summary>
public static class RevenueEndpoints
{
    public static IEndpointRouteBuilder MapRevenueEndpoints(this IEndpointRouteBuilder app)
    {
        var revenue = app.MapGroup("/v1/revenue").WithTags("Revenue").ReadableByViewers();
        revenue.MapGet("/summary", (HttpContext http, CompanyDirectory companies, RevenueReads reads, TimeProvider time) =>
                ReportQuery.HandleAsync(http, companies, time, async q => TypedResults.Ok(await reads.SummaryAsync(q, http.RequestAborted))))
            .WithSummary("Checkout revenue, orders, AOV, cart GMV, attributed share and fingerprint coverage over a range of days.")
            .Produces<RevenueReads.Summary>().ProducesValidationProblem();
        revenue.MapGet("/cart-gmv/daily", (HttpContext http, CompanyDirectory companies, RevenueReads reads, TimeProvider time) =>
                ReportQuery.HandleAsync(http, companies, time, async q => TypedResults.Ok(await reads.DailyCartGmvAsync(q, http.RequestAborted))))
            .WithSummary("Attributed cart GMV per day, one row per day of the range (zeros included).")
            .Produces<IReadOnlyList<RevenueReads.DailyCartGmv>>().ProducesValidationProblem();
        revenue.MapGet("/products", (HttpContext http, CompanyDirectory companies, RevenueReads reads, TimeProvider time) =>
                ReportQuery.HandleAsync(http, companies, time, async q => TypedResults.Ok(await reads.ProductsAsync(q, http.RequestAborted))))
            .WithSummary("Products of attributed orders: quantity and revenue, highest revenue first.")
            .Produces<IReadOnlyList<RevenueReads.ProductRevenue>>().ProducesValidationProblem();
        revenue.MapGet("/variants", (HttpContext http, CompanyDirectory companies, RevenueReads reads, TimeProvider time) =>
                ReportQuery.HandleAsync(http, companies, time, async q => TypedResults.Ok(await reads.VariantsAsync(q, http.RequestAborted))))
            .WithSummary("Per A/B variant: conversations, attributed orders, revenue, conversion rate and its change against the first variant with a 95 % interval.")
            .Produces<IReadOnlyList<RevenueReads.VariantRevenue>>().ProducesValidationProblem();
        revenue.MapGet("/daily", (HttpContext http, CompanyDirectory companies, RevenueReads reads, TimeProvider time) =>
                ReportQuery.HandleAsync(http, companies, time, async q => TypedResults.Ok(await reads.DailyAsync(q, http.RequestAborted))))
            .WithSummary("Attributed and total checkout revenue, orders and cart GMV per day, one row per day of the range (zeros included).")
            .Produces<IReadOnlyList<RevenueReads.DailyRevenue>>().ProducesValidationProblem();
        revenue.MapGet("/lift", (HttpContext http, CompanyDirectory companies, RevenueReads reads, TimeProvider time) =>
                ReportQuery.HandleAsync(http, companies, time, async q => TypedResults.Ok(await reads.LiftAsync(q, http.RequestAborted))))
            .WithSummary("Assisted vs unassisted visitors: conversion rate, AOV and revenue per visitor, and the lifts with 95 % intervals.")
            .Produces<RevenueReads.Lift>().ProducesValidationProblem();
        revenue.MapGet("/channels", (HttpContext http, CompanyDirectory companies, RevenueReads reads, TimeProvider time) =>
                ReportQuery.HandleAsync(http, companies, time, async q => TypedResults.Ok(await reads.ChannelsAsync(q, http.RequestAborted))))
            .WithSummary("Attributed orders, checkout revenue and cart GMV per credited channel: CHAT, FAQ, NUDGE.")
            .Produces<IReadOnlyList<RevenueReads.ChannelRevenue>>().ProducesValidationProblem();

        app.MapGet("/v1/conversations/{conversationId}/revenue",
                (string conversationId, HttpContext http, CompanyDirectory companies, RevenueReads reads, TimeProvider time) =>
                    ReportQuery.HandleAsync(http, companies, time, async q =>
                        await reads.ConversationAsync(q.Company, conversationId, q.Currency, http.RequestAborted) is { } answer
                            ? TypedResults.Ok(answer)
                            : Problems.Status(StatusCodes.Status404NotFound, $"No conversation '{conversationId}' has been recorded for this company.")))
            .WithTags("Revenue")
            .ReadableByViewers()
            .WithSummary("The checkout revenue, cart GMV and orders credited to one conversation.")
            .Produces<RevenueReads.ConversationRevenue>().ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }
}
