using ClickOrleans.Sinks.Postgres;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ClickOrleans.Tests.Infrastructure;

/// <summary>A PostgreSQL schema of a test's own on the test server, dropped with everything in it when disposed.</summary>
public sealed class TestPostgresSchema : IAsyncDisposable
{
    private TestPostgresSchema(string prefix)
    {
        Schema = prefix + "_" + Guid.NewGuid().ToString("N")[..12];
        DataSource = NpgsqlDataSource.Create(TestServers.RequirePostgres());
        Options = Microsoft.Extensions.Options.Options.Create(new PostgresSinkOptions { Schema = Schema });
    }

    public string Schema { get; }

    public NpgsqlDataSource DataSource { get; }

    /// <summary>The sink's settings for this schema.</summary>
    public IOptions<PostgresSinkOptions> Options { get; }

    /// <summary>A new schema name (skips the test when no PostgreSQL is configured); nothing is created yet.</summary>
    public static TestPostgresSchema Create(string prefix) => new(prefix);

    public void Deconstruct(out NpgsqlDataSource dataSource, out IOptions<PostgresSinkOptions> options, out string schema) =>
        (dataSource, options, schema) = (DataSource, Options, Schema);

    public async ValueTask DisposeAsync()
    {
        await using (var drop = DataSource.CreateCommand($"DROP SCHEMA IF EXISTS {Schema} CASCADE"))
        {
            await drop.ExecuteNonQueryAsync();
        }

        await DataSource.DisposeAsync();
    }
}
