using System.Collections.Concurrent;
using System.Globalization;
using Npgsql;

namespace ClickOrleans.Sinks.Postgres;

/// <summary>
/// The day partitions of the stream tables that have them (those of streams with a <c>Retention</c>): a table
/// partitioned by range of <c>ts</c>, a partition per UTC day (<c>&lt;table&gt;_yyyyMMdd</c>) created before a write needs it,
/// and, for a table that held events before its stream had a retention, that table itself as the partition of every
/// time before the day after it was converted (<c>&lt;table&gt;_toyyyyMMdd</c>). What is past the retention is dropped
/// whole (<see cref="DropExpiredAsync"/>), never deleted row by row.
/// </summary>
/// <remarks>
/// Each silo knows the partitions it saw; creating and dropping them takes the table's advisory lock and reads the
/// catalog again, so silos never create a partition twice. A write that finds a partition gone (another silo dropped it)
/// is told by <see cref="IsMissing"/>: the writer forgets what it knew and creates it again.
/// </remarks>
internal sealed class PostgresPartitions(NpgsqlDataSource dataSource, string schema)
{
    private const string DayFormat = "yyyyMMdd", Before = "to";

    /// <summary>What this silo saw of each partitioned table's partitions, by table name; a table absent is not partitioned.</summary>
    private readonly ConcurrentDictionary<string, Partitions> _tables = new(StringComparer.Ordinal);

    /// <summary>
    /// Whether a write's failure is PostgreSQL finding no partition for a row: a partition that is not there, not bad
    /// data. Told by the routine that raised it, as a check violation a trigger raises has the same code and no constraint.
    /// </summary>
    public static bool IsMissing(PostgresException exception) =>
        exception is { SqlState: PostgresErrorCodes.CheckViolation, Routine: "ExecFindPartition" };

    /// <summary>
    /// At start, under the migration's lock: makes the table of each stream with a retention partitioned (one that holds
    /// events becomes the first partition, whole, as <c>&lt;table&gt;_to&lt;the day after&gt;</c>; an empty one is
    /// replaced), having read every partitioned table's partitions.
    /// </summary>
    /// <remarks>
    /// The partitioned table has the indexes of the table it replaces, by their names. Attaching the table scans it once
    /// to check its rows, under its lock (a large table takes as long as it takes); its own indexes are attached, not built.
    /// </remarks>
    public async Task PrepareAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IEnumerable<PostgresEventTable> tables, CancellationToken cancellationToken)
    {
        await LoadAsync(connection, transaction, null, cancellationToken);
        foreach (var table in tables.Where(table => table.Stream.Retention is not null && !_tables.ContainsKey(table.Stream.Table)))
        {
            // Renamed first: its lock keeps every writer out until the conversion commits.
            var renamed = Name(table, "unpartitioned");
            await ExecuteAsync($"ALTER TABLE {table.Name} RENAME TO \"{renamed}\"");
            var indexes = new List<(string Name, string Definition)>();
            await using (var read = new NpgsqlCommand(
                $"SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = '{schema}.\"{renamed}\"'::regclass ORDER BY 1",
                connection, transaction))
            await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    indexes.Add((reader.GetString(0), reader.GetString(1)));
                }
            }

            DateOnly? end;
            await using (var last = new NpgsqlCommand(
                $"SELECT date_trunc('day', greatest(max(ts), now()) AT TIME ZONE 'UTC') + interval '1 day' FROM {schema}.\"{renamed}\" HAVING count(*) > 0", connection, transaction))
            {
                end = await last.ExecuteScalarAsync(cancellationToken) is DateTime day ? DateOnly.FromDateTime(day) : null;
            }

            await ExecuteAsync($"CREATE TABLE {table.Name} (LIKE {schema}.\"{renamed}\" INCLUDING ALL EXCLUDING INDEXES) PARTITION BY RANGE (ts)");
            var first = end is { } until ? FirstPartition(table, until) : null;
            if (first is null)
            {
                await ExecuteAsync($"DROP TABLE {schema}.\"{renamed}\""); // no events: the partitioned table starts empty
            }
            else
            {
                await ExecuteAsync($"ALTER TABLE {schema}.\"{renamed}\" RENAME TO \"{first}\"");
                for (var i = 0; i < indexes.Count; i++)
                {
                    await ExecuteAsync($"ALTER INDEX {schema}.\"{indexes[i].Name}\" RENAME TO \"{first}_{i}\"");
                }
            }

            // The table's indexes, by the same names, on the partitioned table; attaching the first partition attaches its own.
            foreach (var (name, definition) in indexes)
            {
                await ExecuteAsync($"{definition[..definition.IndexOf(" INDEX ", StringComparison.Ordinal)]} INDEX \"{name}\" ON {table.Name}{definition[definition.IndexOf(" USING ", StringComparison.Ordinal)..]}");
            }

            if (first is not null)
            {
                await ExecuteAsync($"ALTER TABLE {table.Name} ATTACH PARTITION {schema}.\"{first}\" FOR VALUES FROM (MINVALUE) TO ('{Bound(end!.Value)}')");
            }

            _tables[table.Stream.Table] = new Partitions(end, new HashSet<DateOnly>());
        }

        async Task ExecuteAsync(string statement)
        {
            await using var command = new NpgsqlCommand(statement, connection, transaction) { CommandTimeout = 0 };
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>Creates the partitions of the days of <paramref name="rows"/>' events that the table lacks (nothing for a table without partitions).</summary>
    public async Task EnsureAsync(PostgresEventTable table, EventRows rows, CancellationToken cancellationToken)
    {
        if (!_tables.TryGetValue(table.Stream.Table, out var partitions))
        {
            return;
        }

        // A chunk's events are mostly of one day: a day is looked up when it changes, and nothing is allocated when all are covered.
        HashSet<DateOnly>? uncovered = null;
        DateOnly? previous = null;
        foreach (var ms in rows.Timestamps.AsSpan(0, rows.Count))
        {
            var day = DateOnly.FromDateTime(DateTime.UnixEpoch.AddMilliseconds(ms));
            if (day != previous && !partitions.Covers(day))
            {
                (uncovered ??= []).Add(day);
            }

            previous = day;
        }

        if (uncovered is null)
        {
            return;
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await LockAsync(connection, table, cancellationToken);
        partitions = await LoadAsync(connection, transaction, table, cancellationToken);
        var missing = uncovered.Where(day => !partitions.Covers(day)).Order().ToList();
        foreach (var day in missing)
        {
            await using var create = new NpgsqlCommand(
                $"CREATE TABLE {schema}.\"{Name(table, Day(day))}\" PARTITION OF {table.Name} FOR VALUES FROM ('{Bound(day)}') TO ('{Bound(day.AddDays(1))}')",
                connection, transaction);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        _tables[table.Stream.Table] = partitions with { Days = new HashSet<DateOnly>([.. partitions.Days, .. missing]) };
    }

    /// <summary>After <see cref="IsMissing"/>: what this silo knew of the table's partitions is stale; the next write reads them again.</summary>
    public void Forget(PostgresEventTable table)
    {
        if (_tables.ContainsKey(table.Stream.Table))
        {
            _tables[table.Stream.Table] = Partitions.Unknown;
        }
    }

    /// <summary>Drops the table's partitions that ended a retention ago at <paramref name="now"/>, whole.</summary>
    /// <returns>The partitions dropped.</returns>
    public async Task<IReadOnlyList<string>> DropExpiredAsync(PostgresEventTable table, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (table.Stream.Retention is null || !_tables.ContainsKey(table.Stream.Table))
        {
            return [];
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await LockAsync(connection, table, cancellationToken);
        var partitions = await LoadAsync(connection, transaction, table, cancellationToken);
        var dropped = partitions.Days.Where(day => table.Stream.IsExpired(Start(day.AddDays(1)), now)).Order().Select(day => Name(table, Day(day))).ToList();
        if (partitions.Until is { } until && table.Stream.IsExpired(Start(until), now))
        {
            dropped.Insert(0, FirstPartition(table, until));
        }

        foreach (var name in dropped)
        {
            await using var drop = new NpgsqlCommand($"DROP TABLE {schema}.\"{name}\"", connection, transaction);
            await drop.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        if (dropped.Count > 0)
        {
            Forget(table);
        }

        return dropped;
    }

    /// <summary>The partitions of the table, as the catalog has them now, for this silo to know.</summary>
    public async Task<IReadOnlyList<string>> NamesAsync(PostgresEventTable table, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var partitions = await LoadAsync(connection, null, table, cancellationToken);
        return [.. (partitions.Until is { } until ? [FirstPartition(table, until)] : Array.Empty<string>()).Concat(partitions.Days.Order().Select(day => Name(table, Day(day))))];
    }

    private async Task<NpgsqlTransaction> LockAsync(NpgsqlConnection connection, PostgresEventTable table, CancellationToken cancellationToken)
    {
        var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var lockTable = new NpgsqlCommand($"SELECT pg_advisory_xact_lock(hashtext('clickorleans-partitions:{schema}.{table.Stream.Table}'))", connection, transaction);
        await lockTable.ExecuteNonQueryAsync(cancellationToken);
        return transaction;
    }

    /// <summary>Reads the partitions of the schema's partitioned tables, or of <paramref name="only"/>, from the catalog into what this silo knows.</summary>
    private async Task<Partitions> LoadAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, PostgresEventTable? only, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT parent.relname, child.relname
            FROM pg_partitioned_table partitioned
            JOIN pg_class parent ON parent.oid = partitioned.partrelid
            JOIN pg_namespace ns ON ns.oid = parent.relnamespace
            LEFT JOIN pg_inherits inherits ON inherits.inhparent = parent.oid
            LEFT JOIN pg_class child ON child.oid = inherits.inhrelid
            WHERE ns.nspname = $1 AND ($2::text IS NULL OR parent.relname = $2)
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = schema });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = only?.Stream.Table, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        var read = new Dictionary<string, (DateOnly? Until, HashSet<DateOnly> Days)>(StringComparer.Ordinal);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var table = reader.GetString(0);
                var (until, days) = read.TryGetValue(table, out var seen) ? seen : (null, []);
                var suffix = reader.IsDBNull(1) || reader.GetString(1) is not { } child || child.Length <= table.Length ? "" : child[(table.Length + 1)..];
                if (suffix.StartsWith(Before, StringComparison.Ordinal) && ParseDay(suffix[Before.Length..]) is { } end)
                {
                    until = end;
                }
                else if (ParseDay(suffix) is { } day)
                {
                    days.Add(day);
                }

                read[table] = (until, days);
            }
        }

        foreach (var (table, (until, days)) in read)
        {
            _tables[table] = new Partitions(until, days);
        }

        return only is not null && _tables.TryGetValue(only.Stream.Table, out var partitions) ? partitions : Partitions.Unknown;
    }

    private static string Name(PostgresEventTable table, string suffix) => $"{table.Stream.Table}_{suffix}";

    /// <summary>The partition of every time before <paramref name="until"/>: the table converted with its events.</summary>
    private static string FirstPartition(PostgresEventTable table, DateOnly until) => Name(table, Before + Day(until));

    private static string Day(DateOnly day) => day.ToString(DayFormat, CultureInfo.InvariantCulture);

    private static DateOnly? ParseDay(string text) =>
        DateOnly.TryParseExact(text, DayFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) ? day : null;

    private static DateTimeOffset Start(DateOnly day) => new(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    private static string Bound(DateOnly day) => Start(day).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>A table's partitions as a silo saw them: the first one's end (a table converted with its events) and the days.</summary>
    private sealed record Partitions(DateOnly? Until, HashSet<DateOnly> Days)
    {
        /// <summary>Nothing known: every day is looked up in the catalog again.</summary>
        public static readonly Partitions Unknown = new(null, new HashSet<DateOnly>());

        public bool Covers(DateOnly day) => day < Until || Days.Contains(day);
    }
}
