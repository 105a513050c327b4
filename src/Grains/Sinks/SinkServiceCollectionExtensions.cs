using ClickOrleans.Backfill;
using ClickOrleans.Queries;
using ClickOrleans.Sinks.Parquet;
using ClickOrleans.Sinks.Postgres;
using ClickOrleans.Sinks.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ClickOrleans.Sinks;

public static class SinkServiceCollectionExtensions
{
    /// <summary>PostgreSQL when <c>ConnectionStrings:Postgres</c> is set, the embedded SQLite file otherwise; the Parquet archive, its compaction and the backfill from it; with the write retry.</summary>
    public static IServiceCollection AddSink(this IServiceCollection services, IConfiguration configuration) =>
        (configuration.GetConnectionString("Postgres") is { Length: > 0 } postgres
            ? services.AddPostgresSink(postgres)
            : services.AddSqliteSink())
        .AddSingleton<SchemaVersions>()
        .AddSingleton<SinkStatsRecorder>()
        .AddParquetArchive()
        .AddSingleton<BackfillRun>()
        .AddSinkRetry();

    public static IServiceCollection AddParquetArchive(this IServiceCollection services)
    {
        services.AddValidatedOptions<ParquetSinkOptions, ParquetSinkOptionsValidator>(ParquetSinkOptions.Section);
        services.AddSingleton<ParquetArchive>();
        services.AddSingleton<ArchiveLedger>();
        services.AddSingleton<ArchiveTelemetry>();
        services.AddSingleton<ArchiveCompaction>();
        services.AddHostedService<ArchiveCompactionService>();
        return services;
    }

    public static IServiceCollection AddPostgresSink(this IServiceCollection services, string connectionString)
    {
        services.AddValidatedOptions<PostgresSinkOptions, PostgresSinkOptionsValidator>(PostgresSinkOptions.Section);
        services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        services.AddSingleton<PostgresEventSink>();
        services.AddSingleton<IEventSink>(provider => provider.GetRequiredService<PostgresEventSink>());
        services.AddHostedService<PostgresRetentionService>();
        services.AddSingleton<ISinkQueries, PostgresSinkQueries>();
        return services;
    }

    public static IServiceCollection AddSqliteSink(this IServiceCollection services)
    {
        services.AddValidatedOptions<SqliteSinkOptions, SqliteSinkOptionsValidator>(SqliteSinkOptions.Section);
        services.AddSingleton<IEventSink, SqliteEventSink>();
        services.AddSingleton<ISinkQueries, SqliteSinkQueries>();
        return services;
    }
}
