using Attribution.ReadModels.DataQuality;
using Attribution.ReadModels.LatestDecisions;
using Attribution.ReadModels.VisitorCarts;
using Microsoft.Extensions.DependencyInjection;

namespace Attribution.ReadModels;

public static class ReadModelsServiceCollectionExtensions
{
    /// <summary>The read models' queries, for the process that answers reads (the gateway).</summary>
    public static IServiceCollection AddReadModelQueries(this IServiceCollection services) => services
        .AddSingleton<ExplainQueries>()
        .AddSingleton<VisitorCartQuery>()
        .AddSingleton<DataQualityQuery>();
}
