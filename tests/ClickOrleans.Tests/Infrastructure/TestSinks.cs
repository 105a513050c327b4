using ClickOrleans.Sinks;
using ClickOrleans.Sinks.Postgres;
using ClickOrleans.Sinks.Sqlite;
using ClickOrleans.Streams;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ClickOrleans.Tests.Infrastructure;

/// <summary>The sinks as a silo makes them, for a catalog of streams, outside a silo.</summary>
public static class TestSinks
{
    public static PostgresEventSink Postgres(NpgsqlDataSource dataSource, IOptions<PostgresSinkOptions> options, StreamCatalog streams) =>
        new(dataSource, options, Options.Create(new ClickOptions()), streams, new SchemaVersions(streams, new PostgresSinkQueries(dataSource, options)));

    public static SqliteEventSink Sqlite(IOptions<SqliteSinkOptions> options, StreamCatalog streams) =>
        new(options, Options.Create(new ClickOptions()), streams, new SchemaVersions(streams, new SqliteSinkQueries(options)));
}
