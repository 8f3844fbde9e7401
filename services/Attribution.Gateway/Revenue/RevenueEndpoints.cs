using Attribution.Gateway.Auth;
using Attribution.Gateway.Http;
using Attribution.ServiceDefaults.Companies;

namespace Attribution.Gateway.Revenue;

/// <summary>
/// The Revenue Impact reads of contract §6 (apiSecret): summary, daily cart GMV, products, variants,
/// and one conversation's revenue. Dates are the company's days; amounts in its reporting currency
/// unless <c>?currency=</c> asks for another. Reads are eventually consistent with ingestion.
/// </summary>
public static class RevenueEndpoints
{
    public static IEndpointRouteBuilder MapRevenueEndpoints(this IEndpointRouteBuilder app)
    {
        var revenue = app.MapGroup("/v1/revenue").WithTags("Revenue");
        revenue.MapGet("/summary", (HttpContext http, CompanyDirectory companies, RevenueReads reads, TimeProvider time) =>
                ReadAsync(http, companies, time, q => reads.SummaryAsync(q, http.RequestAborted)))
            .WithSummary("Checkout revenue, orders, AOV, cart GMV, attributed share and fingerprint coverage over a range of days.")
            .Produces<RevenueReads.Summary>().ProducesValidationProblem();
        revenue.MapGet("/cart-gmv/daily", (HttpContext http, CompanyDirectory companies, RevenueReads reads, TimeProvider time) =>
                ReadAsync(http, companies, time, q => reads.DailyCartGmvAsync(q, http.RequestAborted)))
            .WithSummary("Attributed cart GMV per day, one row per day of the range (zeros included).")
            .Produces<IReadOnlyList<RevenueReads.DailyCartGmv>>().ProducesValidationProblem();
        revenue.MapGet("/products", (HttpContext http, CompanyDirectory companies, RevenueReads reads, TimeProvider time) =>
                ReadAsync(http, companies, time, q => reads.ProductsAsync(q, http.RequestAborted)))
            .WithSummary("Products of attributed orders: quantity and revenue, highest revenue first.")
            .Produces<IReadOnlyList<RevenueReads.ProductRevenue>>().ProducesValidationProblem();
        revenue.MapGet("/variants", (HttpContext http, CompanyDirectory companies, RevenueReads reads, TimeProvider time) =>
                ReadAsync(http, companies, time, q => reads.VariantsAsync(q, http.RequestAborted)))
            .WithSummary("Per A/B variant: conversations, attributed orders, checkout revenue, AOV, revenue per conversation.")
            .Produces<IReadOnlyList<RevenueReads.VariantRevenue>>().ProducesValidationProblem();

        app.MapGet("/v1/conversations/{conversationId}/revenue",
                async (string conversationId, HttpContext http, CompanyDirectory companies, RevenueReads reads, TimeProvider time) =>
                {
                    var (caller, denied) = await CallerAuthentication.AuthenticateAsync(http, companies, serverOnly: true);
                    if (caller is null) return denied!;
                    var (query, errors) = ReportQuery.Parse(http.Request.Query, caller.Company, time);
                    if (query is null) return Problems.Validation(errors!);
                    var answer = await reads.ConversationAsync(caller.Company, conversationId, query.Currency, http.RequestAborted);
                    return answer is null
                        ? Problems.Status(StatusCodes.Status404NotFound, $"No conversation '{conversationId}' has been recorded for this company.")
                        : TypedResults.Ok(answer);
                })
            .WithTags("Revenue")
            .WithSummary("The checkout revenue, cart GMV and orders credited to one conversation.")
            .Produces<RevenueReads.ConversationRevenue>().ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<IResult> ReadAsync<T>(HttpContext http, CompanyDirectory companies, TimeProvider time, Func<ReportQuery, Task<T>> read)
    {
        var (caller, denied) = await CallerAuthentication.AuthenticateAsync(http, companies, serverOnly: true);
        if (caller is null) return denied!;
        var (query, errors) = ReportQuery.Parse(http.Request.Query, caller.Company, time);
        return query is null ? Problems.Validation(errors!) : TypedResults.Ok(await read(query));
    }
}
