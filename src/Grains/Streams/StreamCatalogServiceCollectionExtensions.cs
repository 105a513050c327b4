using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ClickOrleans.Streams;

public static class StreamCatalogServiceCollectionExtensions
{
    /// <summary>The deployment's <see cref="StreamCatalog"/>: once per process, whether a silo, an Api or both share it.</summary>
    public static IServiceCollection AddStreamCatalog(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(provider => StreamCatalog.From(configuration, provider.GetRequiredService<IOptions<ClickOptions>>().Value));
        return services;
    }
}
