using Microsoft.Data.Sqlite;
using Npgsql;

namespace ClickOrleans.Tests.Infrastructure;

/// <summary>Reads the sink's tables from outside the cluster, and injects faults into them with real triggers.</summary>
public abstract class SinkProbe
{
    /// <summary>The sink's name in the ledger.</summary>
    public abstract string Sink { get; }

    public abstract Task<IReadOnlyList<string>> ClickIdsAsync(long uid);

    public abstract Task<long> MinuteClicksAsync(long pidFrom, long pidTo);

    /// <summary>How many clicks of the user the store has, and the ledger's checksum of their ids computed from the rows.</summary>
    public abstract Task<(long Count, string Checksum)> ClickIdChecksumAsync(long uid);

    /// <summary>From now on, a write that inserts a click of <paramref name="uid"/> fails with a server error (not the data's).</summary>
    public abstract Task InjectFaultAsync(long uid);

    /// <summary>What the store's error says when the fault of <see cref="InjectFaultAsync"/> fires.</summary>
    public abstract string FaultMessage(long uid);

    /// <summary>From now on, the store refuses a click of <paramref name="uid"/> for its data (a trigger's RAISE): one row.</summary>
    public abstract Task InjectRefusalAsync(long uid);

    /// <summary>Removes what <see cref="InjectFaultAsync"/> or <see cref="InjectRefusalAsync"/> installed for <paramref name="uid"/>.</summary>
    public abstract Task RemoveFaultAsync(long uid);

    /// <summary>From now on, the store refuses the rollup of a click of <paramref name="pid"/> (a constraint on <c>product_clicks_minute</c>).</summary>
    public abstract Task RefuseRollupsAsync(long pid);

    /// <summary>Removes what <see cref="RefuseRollupsAsync"/> installed.</summary>
    public abstract Task AcceptRollupsAsync(long pid);

    /// <summary>The <paramref name="columns"/> of a declared stream's rows whose <paramref name="column"/> is <paramref name="value"/>, as the store holds them.</summary>
    public abstract Task<IReadOnlyList<object?[]>> RowsAsync(string table, string column, string value, string columns);

    /// <summary>From now on, the store refuses a row of <paramref name="table"/> for its data where <paramref name="condition"/> holds (on <c>NEW</c>): a trigger's RAISE.</summary>
    public abstract Task RefuseRowsAsync(string table, string name, string condition);

    /// <summary>Records a schema version of a stream in <c>stream_schemas</c>, as a silo with that declaration did at its start.</summary>
    public abstract Task RecordSchemaVersionAsync(string stream, string version, string definition);

    /// <summary>Deletes the rows of <paramref name="table"/> whose time <paramref name="column"/> lies in [from, to): data an operator lost or cleared.</summary>
    public abstract Task DeleteRangeAsync(string table, string column, DateTimeOffset from, DateTimeOffset to);

    protected static async Task<IReadOnlyList<object?[]>> ReadRowsAsync(System.Data.Common.DbDataReader reader)
    {
        await using (reader)
        {
            var rows = new List<object?[]>();
            while (await reader.ReadAsync())
            {
                var row = new object?[reader.FieldCount];
                for (var i = 0; i < row.Length; i++)
                {
                    row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
                }

                rows.Add(row);
            }

            return rows;
        }
    }
}

public sealed class PostgresSinkProbe(string connectionString, string schema) : SinkProbe
{
    public override string Sink => "postgres";

    public override async Task<IReadOnlyList<string>> ClickIdsAsync(long uid)
    {
        var ids = new List<string>();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT coalesce(client_id, replace(event_id::text, '-', '')) FROM {schema}.clicks WHERE uid = $1", connection)
        {
            Parameters = { new() { Value = uid } },
        };
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    public override async Task<long> MinuteClicksAsync(long pidFrom, long pidTo) =>
        await ScalarAsync($"SELECT coalesce(sum(clicks), 0)::bigint FROM {schema}.product_clicks_minute WHERE pid BETWEEN {pidFrom} AND {pidTo}");

    /// <remarks>The README's reconciliation query, on one user's rows.</remarks>
    public override async Task<(long Count, string Checksum)> ClickIdChecksumAsync(long uid)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"""
            SELECT count(*), lpad(to_hex(coalesce(bit_xor(('x' || left(h, 16))::bit(64)::bigint # ('x' || right(h, 16))::bit(64)::bigint), 0)), 16, '0')
            FROM (SELECT replace(event_id::text, '-', '') AS h FROM {schema}.clicks WHERE uid = $1) AS ids
            """, connection)
        {
            Parameters = { new() { Value = uid } },
        };
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetString(1));
    }

    public override string FaultMessage(long uid) => $"injected fault for uid {uid}";

    public override Task InjectFaultAsync(long uid) => ExecuteAsync($"""
        CREATE FUNCTION {schema}.fault_{uid}() RETURNS trigger LANGUAGE plpgsql AS
          $$ BEGIN RAISE EXCEPTION 'injected fault for uid {uid}' USING ERRCODE = 'XX000'; END $$;
        CREATE TRIGGER fault_{uid} BEFORE INSERT ON {schema}.clicks
          FOR EACH ROW WHEN (NEW.uid = {uid}) EXECUTE FUNCTION {schema}.fault_{uid}();
        """);

    public override Task InjectRefusalAsync(long uid) => ExecuteAsync($"""
        CREATE FUNCTION {schema}.fault_{uid}() RETURNS trigger LANGUAGE plpgsql AS
          $$ BEGIN RAISE EXCEPTION 'injected refusal for uid {uid}'; END $$;
        CREATE TRIGGER fault_{uid} BEFORE INSERT ON {schema}.clicks
          FOR EACH ROW WHEN (NEW.uid = {uid}) EXECUTE FUNCTION {schema}.fault_{uid}();
        """);

    public override Task RemoveFaultAsync(long uid) => ExecuteAsync($"""
        DROP TRIGGER fault_{uid} ON {schema}.clicks;
        DROP FUNCTION {schema}.fault_{uid}();
        """);

    public override Task RefuseRollupsAsync(long pid) =>
        ExecuteAsync($"ALTER TABLE {schema}.product_clicks_minute ADD CONSTRAINT refuse_pid_{pid} CHECK (pid <> {pid})");

    public override Task AcceptRollupsAsync(long pid) =>
        ExecuteAsync($"ALTER TABLE {schema}.product_clicks_minute DROP CONSTRAINT refuse_pid_{pid}");

    /// <summary>From now on, COMMIT fails for a transaction that inserted a click of <paramref name="uid"/> (a deferred constraint trigger).</summary>
    public Task RefuseAtCommitAsync(long uid) => ExecuteAsync($"""
        CREATE FUNCTION {schema}.deferred_{uid}() RETURNS trigger LANGUAGE plpgsql AS
          $$ BEGIN RAISE EXCEPTION 'deferred refusal for uid {uid}' USING ERRCODE = '23514'; END $$;
        CREATE CONSTRAINT TRIGGER deferred_{uid} AFTER INSERT ON {schema}.clicks DEFERRABLE INITIALLY DEFERRED
          FOR EACH ROW WHEN (NEW.uid = {uid}) EXECUTE FUNCTION {schema}.deferred_{uid}();
        """);

    public Task AcceptAtCommitAsync(long uid) => ExecuteAsync($"""
        DROP TRIGGER deferred_{uid} ON {schema}.clicks;
        DROP FUNCTION {schema}.deferred_{uid}();
        """);

    public override async Task<IReadOnlyList<object?[]>> RowsAsync(string table, string column, string value, string columns)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT {columns} FROM {schema}.\"{table}\" WHERE \"{column}\" = $1 ORDER BY ts", connection)
        {
            Parameters = { new() { Value = value } },
        };
        return await ReadRowsAsync(await command.ExecuteReaderAsync());
    }

    public override Task RecordSchemaVersionAsync(string stream, string version, string definition) => ExecuteAsync(
        $"INSERT INTO {schema}.stream_schemas (stream, version, definition, applied_at) VALUES ('{stream}', '{version}', '{definition}', now() - interval '1 day') ON CONFLICT DO NOTHING");

    public override Task RefuseRowsAsync(string table, string name, string condition) => ExecuteAsync($"""
        CREATE FUNCTION {schema}.{name}() RETURNS trigger LANGUAGE plpgsql AS
          $$ BEGIN IF {condition} THEN RAISE EXCEPTION 'refused by {name}'; END IF; RETURN NEW; END $$;
        CREATE TRIGGER {name} BEFORE INSERT ON {schema}."{table}" FOR EACH ROW EXECUTE FUNCTION {schema}.{name}();
        """);

    public override Task DeleteRangeAsync(string table, string column, DateTimeOffset from, DateTimeOffset to) => ExecuteAsync(
        $"DELETE FROM {schema}.\"{table}\" WHERE {column} >= '{from:O}' AND {column} < '{to:O}'");

    private async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}

public sealed class SqliteSinkProbe(string path) : SinkProbe
{
    public override string Sink => "sqlite";

    public override async Task<IReadOnlyList<string>> ClickIdsAsync(long uid)
    {
        var ids = new List<string>();
        await using var connection = await OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT coalesce(client_id, lower(hex(event_id))) FROM clicks WHERE uid = $uid";
        command.Parameters.AddWithValue("$uid", uid);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    public override async Task<long> MinuteClicksAsync(long pidFrom, long pidTo)
    {
        await using var connection = await OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT coalesce(sum(clicks), 0) FROM product_clicks_minute WHERE pid BETWEEN {pidFrom} AND {pidTo}";
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public override async Task<(long Count, string Checksum)> ClickIdChecksumAsync(long uid)
    {
        var ids = new List<Guid>();
        await using var connection = await OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT lower(hex(event_id)) FROM clicks WHERE uid = $uid";
        command.Parameters.AddWithValue("$uid", uid);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(Guid.ParseExact(reader.GetString(0), "N"));
        }

        return (ids.Count, TestLedger.Checksum(ids));
    }

    public override string FaultMessage(long uid) => "malformed JSON";

    // A failing function, not RAISE: RAISE is a constraint error, which the sink treats as the data's.
    public override Task InjectFaultAsync(long uid) => ExecuteAsync(
        $"CREATE TRIGGER fault_{uid} BEFORE INSERT ON clicks WHEN NEW.uid = {uid} BEGIN SELECT json('injected fault for uid {uid}'); END;");

    public override Task InjectRefusalAsync(long uid) => ExecuteAsync(
        $"CREATE TRIGGER fault_{uid} BEFORE INSERT ON clicks WHEN NEW.uid = {uid} BEGIN SELECT RAISE(ABORT, 'injected refusal for uid {uid}'); END;");

    public override Task RemoveFaultAsync(long uid) => ExecuteAsync($"DROP TRIGGER fault_{uid};");

    // The rollup is an upsert: the first click of a minute inserts, the next ones update.
    public override Task RefuseRollupsAsync(long pid) => ExecuteAsync($"""
        CREATE TRIGGER refuse_pid_{pid}_insert BEFORE INSERT ON product_clicks_minute WHEN NEW.pid = {pid}
          BEGIN SELECT RAISE(ABORT, 'rollup refused for pid {pid}'); END;
        CREATE TRIGGER refuse_pid_{pid}_update BEFORE UPDATE ON product_clicks_minute WHEN NEW.pid = {pid}
          BEGIN SELECT RAISE(ABORT, 'rollup refused for pid {pid}'); END;
        """);

    public override Task AcceptRollupsAsync(long pid) => ExecuteAsync($"DROP TRIGGER refuse_pid_{pid}_insert; DROP TRIGGER refuse_pid_{pid}_update;");

    /// <summary>From now on, a trigger <c>{BEFORE|AFTER} INSERT ON clicks</c> refuses a click of <paramref name="uid"/> with <c>RAISE(<paramref name="action"/>, …)</c>.</summary>
    public Task RefuseWithTriggerAsync(long uid, string timing, string action) => ExecuteAsync(
        $"CREATE TRIGGER raise_{uid} {timing} INSERT ON clicks WHEN NEW.uid = {uid} BEGIN SELECT RAISE({action}, 'refused with {action} for uid {uid}'); END;");

    public Task RemoveTriggerAsync(long uid) => ExecuteAsync($"DROP TRIGGER raise_{uid};");

    public override async Task<IReadOnlyList<object?[]>> RowsAsync(string table, string column, string value, string columns)
    {
        await using var connection = await OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {columns} FROM \"{table}\" WHERE \"{column}\" = $value ORDER BY ts";
        command.Parameters.AddWithValue("$value", value);
        return await ReadRowsAsync(await command.ExecuteReaderAsync());
    }

    public override Task RefuseRowsAsync(string table, string name, string condition) => ExecuteAsync(
        $"CREATE TRIGGER {name} BEFORE INSERT ON \"{table}\" WHEN {condition} BEGIN SELECT RAISE(ABORT, 'refused by {name}'); END;");

    public override Task DeleteRangeAsync(string table, string column, DateTimeOffset from, DateTimeOffset to) => ExecuteAsync(
        $"DELETE FROM \"{table}\" WHERE {column} >= {from.ToUnixTimeMilliseconds()} AND {column} < {to.ToUnixTimeMilliseconds()}");

    public override Task RecordSchemaVersionAsync(string stream, string version, string definition) => ExecuteAsync(
        $"INSERT OR IGNORE INTO stream_schemas (stream, version, definition, applied_at) VALUES ('{stream}', '{version}', '{definition}', 0)");

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = await OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private async Task<SqliteConnection> OpenAsync()
    {
        var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        await connection.OpenAsync();
        await using var busy = connection.CreateCommand();
        busy.CommandText = "PRAGMA busy_timeout=5000;";
        await busy.ExecuteNonQueryAsync();
        return connection;
    }
}
