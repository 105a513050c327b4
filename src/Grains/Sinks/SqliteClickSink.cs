using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace ClickOrleans.Sinks;

/// <summary>
/// The embedded sink: one SQLite file in WAL mode, written by one writer at a time with prepared statements.
/// <c>ts</c> and <c>minute</c> are stored as Unix milliseconds (UTC).
/// </summary>
public sealed class SqliteClickSink : IClickSink, IDisposable
{
    // synchronous=FULL: a commit the drain has been told about must survive a power loss, or a click would be lost.
    private const string Open = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000;";

    private const string CreateTables = """
        CREATE TABLE IF NOT EXISTS clicks (
            event_id TEXT PRIMARY KEY,
            uid INTEGER NOT NULL,
            pid INTEGER NOT NULL,
            ts INTEGER NOT NULL) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS clicks_uid_ts ON clicks (uid, ts);
        CREATE TABLE IF NOT EXISTS product_clicks_minute (
            pid INTEGER NOT NULL,
            minute INTEGER NOT NULL,
            clicks INTEGER NOT NULL,
            PRIMARY KEY (pid, minute)) WITHOUT ROWID;
        """;

    private readonly GroupCommit<Click[], SinkResult> _writes;
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _insertClick;
    private readonly SqliteCommand _addToMinute;

    public SqliteClickSink(IOptions<SqliteSinkOptions> options)
    {
        var path = System.IO.Path.GetFullPath(options.Value.Path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        Path = path;
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        _connection.Open();
        Execute(Open);
        Execute(CreateTables);
        _insertClick = Prepare(
            "INSERT OR IGNORE INTO clicks (event_id, uid, pid, ts) VALUES ($id, $uid, $pid, $ts)", "$id", "$uid", "$pid", "$ts");
        _addToMinute = Prepare("""
            INSERT INTO product_clicks_minute (pid, minute, clicks) VALUES ($pid, $minute, $clicks)
            ON CONFLICT (pid, minute) DO UPDATE SET clicks = clicks + excluded.clicks
            """, "$pid", "$minute", "$clicks");
        _writes = new GroupCommit<Click[], SinkResult>(batches => Task.FromResult(Commit(batches)));
    }

    /// <summary>The full path of the database file.</summary>
    public string Path { get; }

    public Task EnsureSchemaAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>An empty write: a transaction on the one connection, in turn with the writes.</summary>
    public Task PingAsync(CancellationToken cancellationToken) => _writes.CommitAsync([]);

    /// <remarks>
    /// SQLite has one writer, so the partitions of a chunk cannot write in parallel anyway: writes that queue
    /// while one commits are committed together, in one transaction and one fsync (group commit).
    /// </remarks>
    public Task<SinkResult> WriteAsync(Click[] clicks, CancellationToken cancellationToken) => _writes.CommitAsync(clicks);

    private SinkResult[] Commit(IReadOnlyList<Click[]> batches)
    {
        using var transaction = _connection.BeginTransaction();
        _insertClick.Transaction = transaction;
        _addToMinute.Transaction = transaction;
        var perMinute = new MinuteCounts();
        var results = batches.Select(clicks => Insert(clicks, perMinute)).ToArray();
        foreach (var (pid, minute, count) in perMinute.Ordered())
        {
            _addToMinute.Parameters[0].Value = pid;
            _addToMinute.Parameters[1].Value = minute;
            _addToMinute.Parameters[2].Value = count;
            _addToMinute.ExecuteNonQuery();
        }

        transaction.Commit();
        return results;
    }

    private SinkResult Insert(Click[] clicks, MinuteCounts perMinute)
    {
        var written = 0;
        foreach (var click in clicks)
        {
            _insertClick.Parameters[0].Value = click.Id;
            _insertClick.Parameters[1].Value = click.Uid;
            _insertClick.Parameters[2].Value = click.Pid;
            _insertClick.Parameters[3].Value = click.TimestampMs;
            if (_insertClick.ExecuteNonQuery() == 1)
            {
                written++;
                perMinute.Add(click);
            }
        }

        return new SinkResult(written, clicks.Length - written);
    }

    public void Dispose()
    {
        _insertClick.Dispose();
        _addToMinute.Dispose();
        _connection.Dispose();
    }

    private void Execute(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private SqliteCommand Prepare(string sql, params string[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = parameter });
        }

        command.Prepare();
        return command;
    }
}
