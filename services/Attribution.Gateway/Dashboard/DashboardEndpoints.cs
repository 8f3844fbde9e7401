using Attribution.Gateway.Auth;
using Attribution.ServiceDefaults.Companies;
using Microsoft.Extensions.FileProviders;
using Attribution.Domain.Companies;
using Attribution.Domain.Rules;

namespace Attribution.Gateway.Dashboard;

/// <summary>
/// The Revenue Impact page (static files under wwwroot/dashboard, nothing built at run time) and
/// GET /v1/company, which the page signs in with: the caller's own company settings, never a secret.
/// </summary>
public static class DashboardEndpoints
{
    public sealed record CompanyView(
        string CompanyKey, string Name, string ReportingCurrency, string TimeZone, int AttributionWindowHours,
        string QuantityMode, string RuleVersion, DateOnly Today);

    public static WebApplication MapDashboard(this WebApplication app)
    {
        // Served from the build output (wwwroot is copied there), whatever directory the gateway was started from;
        // /dashboard redirects to /dashboard/ (DefaultFiles), which serves index.html.
        var files = new PhysicalFileProvider(Path.Combine(AppContext.BaseDirectory, "wwwroot"));
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            OnPrepareResponse = c => c.Context.Response.Headers.CacheControl = "no-cache", // always revalidate after an upgrade
        });

        app.MapGet("/v1/company", async (HttpContext http, CompanyDirectory companies, TimeProvider time) =>
            {
                var (caller, denied) = await CallerAuthentication.AuthenticateAsync(http, companies, serverOnly: true);
                if (caller is null) return denied!;
                var c = caller.Company;
                return TypedResults.Ok(new CompanyView(c.CompanyKey, c.Name, c.ReportingCurrency, c.TimeZone, c.AttributionWindowHours,
                    c.QuantityMode.ToString(), RuleVersions.Of(c), CompanyCalendar.Today(CompanyCalendar.ZoneOf(c), time)));
            })
            .WithTags("Company")
            .WithSummary("The calling company's settings (for the dashboard's sign-in).")
            .Produces<CompanyView>();
        return app;
    }
}
