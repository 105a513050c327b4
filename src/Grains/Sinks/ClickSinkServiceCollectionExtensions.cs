using ClickOrleans.Queries;
using ClickOrleans.Sinks.Postgres;
using ClickOrleans.Sinks.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ClickOrleans.Sinks;

public static class ClickSinkServiceCollectionExtensions
{
    /// <summary>PostgreSQL when <c>ConnectionStrings:Postgres</c> is set, the embedded SQLite file otherwise; with the write retry.</summary>
    public static IServiceCollection AddClickSink(this IServiceCollection services, IConfiguration configuration) =>
        (configuration.GetConnectionString("Postgres") is { Length: > 0 } postgres
            ? services.AddPostgresClickSink(postgres)
            : services.AddSqliteClickSink())
        .AddSinkRetry();

    public static IServiceCollection AddPostgresClickSink(this IServiceCollection services, string connectionString)
    {
        services.AddValidatedOptions<PostgresSinkOptions, PostgresSinkOptionsValidator>(PostgresSinkOptions.Section);
        services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        services.AddSingleton<IClickSink, PostgresClickSink>();
        services.AddSingleton<IEventSink, PostgresEventSink>();
        services.AddSingleton<ISinkQueries, PostgresSinkQueries>();
        return services;
    }

    public static IServiceCollection AddSqliteClickSink(this IServiceCollection services)
    {
        services.AddValidatedOptions<SqliteSinkOptions, SqliteSinkOptionsValidator>(SqliteSinkOptions.Section);
        services.AddSingleton<SqliteClickSink>();
        services.AddSingleton<IClickSink>(provider => provider.GetRequiredService<SqliteClickSink>());
        services.AddSingleton<IEventSink, SqliteEventSink>();
        services.AddSingleton<ISinkQueries, SqliteSinkQueries>();
        return services;
    }
}
