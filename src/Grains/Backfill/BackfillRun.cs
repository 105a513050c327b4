using System.Globalization;
using System.Runtime.CompilerServices;
using ClickOrleans.Sinks;
using ClickOrleans.Sinks.Parquet;
using ClickOrleans.Staging;
using ClickOrleans.Streams;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Registry;
using StackExchange.Redis;

namespace ClickOrleans.Backfill;

/// <summary>
/// Loads a stream's store from its Parquet archive (<see cref="IBackfillGrain"/>): hour by hour and file by file, the
/// archive's events read back in chunks and written by the store's own write (events, rollups, progress mark and ledger
/// entry in one transaction), leaving out the events the store holds already. That check makes it exactly once
/// whatever the files are when it reads them: an attempt a crash cut short, a compaction that merged files meanwhile, a
/// file seen beside the merged file that replaces it — each leaves only events the store holds.
/// </summary>
/// <remarks>
/// Why the check is safe against the drains: the drain commits a chunk to the store before the archive, so an event
/// in an archive file is in the store by the time the file can be read, or was refused there. The backfill's state is a
/// file in the lake (<c>stream=&lt;name&gt;/_backfill/status.json</c>), replaced after each write; an attempt runs
/// under a lock file beside it, so silos sharing the lake never run the same backfill twice at once.
/// </remarks>
public sealed partial class BackfillRun(
    IEventSink sink,
    ParquetArchive archive,
    StreamCatalog streams,
    IConnectionMultiplexer redis,
    ResiliencePipelineProvider<string> pipelines,
    TimeProvider time,
    ILogger<BackfillRun> logger)
{
    private static readonly TimeSpan WatermarkPoll = TimeSpan.FromSeconds(1);

    private readonly ResiliencePipeline _retry = pipelines.GetPipeline(SinkRetry.Name);

    /// <summary>The stream's running backfill, or its last; null when it never had one.</summary>
    public Task<BackfillStatus?> StatusAsync(string stream, CancellationToken cancellationToken) =>
        DurableDirectory.ReadFileAsync(StatusPath(stream), ArchiveJsonContext.Default.BackfillStatus, cancellationToken);

    /// <summary>Records a new backfill as running, unless one runs or the store holds events of its range.</summary>
    public async Task<BackfillStart> StartAsync(string stream, BackfillRequest request, CancellationToken cancellationToken)
    {
        var current = await StatusAsync(stream, cancellationToken);
        if (current is { State: BackfillStatus.Running })
        {
            return new BackfillStart(current, $"A backfill of '{stream}' over [{Time(current.From)}, {Time(current.To)}) runs ({current.HoursDone} of {current.Hours} hours loaded): "
                + "one runs at a time; wait for it to end.");
        }

        var holding = request.Replace ? [] : await sink.HoldingAsync(stream, request.From, request.To, cancellationToken);
        if (holding.Count > 0)
        {
            return new BackfillStart(current, $"The {sink.Name} sink already holds data of '{stream}' in [{Time(request.From)}, {Time(request.To)}), "
                + $"in {string.Join(", ", holding)}: a backfill would store it twice. Ask for a replace (\"replace\": true), or for a range the sink does not have.");
        }

        var started = new BackfillStatus(
            request.Sink, request.From, request.To, BackfillStatus.Running, (int)(request.To - request.From).TotalHours, 0, 0, 0, 0, 0, 0, time.GetUtcNow(), null, null, request.Replace);
        Directory.CreateDirectory(Path.GetDirectoryName(StatusPath(stream))!);
        await SaveAsync(stream, started, cancellationToken);
        return new BackfillStart(started, null);
    }

    /// <summary>
    /// Runs the stream's backfill to its end, going on from its last whole hour; returns at once when none runs or
    /// another silo runs it. A failure is saved as its error and left for the next attempt, but a file that is not an
    /// archive file, which fails it.
    /// </summary>
    /// <returns>The backfill as it stands: still running when it was cancelled, runs elsewhere, or failed for now.</returns>
    public async Task<BackfillStatus?> RunAsync(string stream, CancellationToken cancellationToken)
    {
        await using var attempt = FileLock.TryAcquire(Path.Combine(Path.GetDirectoryName(StatusPath(stream))!, "run.lock"));
        var job = await StatusAsync(stream, cancellationToken);
        if (attempt is null || job is not { State: BackfillStatus.Running })
        {
            return job;
        }

        job = job with { Attempts = job.Attempts + 1, Error = null };
        await SaveAsync(stream, job, cancellationToken);
        try
        {
            job = await ReplaceAsync(stream, job, cancellationToken);
            job = await LoadAsync(stream, job, cancellationToken);
            LogDone(logger, stream, job.Sink, job.From, job.To, job.Written, job.AlreadyStored, job.Refused);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            var fails = e is InvalidDataException;
            LogAttemptFailed(logger, stream, job.Attempts, fails ? "it stops" : "the next attempt retries it", e);
            // The progress the attempt saved, with its error.
            job = (await StatusAsync(stream, CancellationToken.None) ?? job) with
            {
                State = fails ? BackfillStatus.Failed : BackfillStatus.Running,
                EndedAt = fails ? time.GetUtcNow() : null,
                Error = $"{e.GetType().Name}: {e.Message}",
            };
        }

        await SaveAsync(stream, job, CancellationToken.None);
        return job;
    }

    /// <summary>
    /// Of a replace: deletes the store's range (once; again when a crash came before its watermark was saved), then waits
    /// until the drains committed everything accepted before the delete. An event the store held of the range was
    /// accepted before it, so it is in the archive by then, where the backfill reads it; one a drain stores after the
    /// delete is found stored and left out.
    /// </summary>
    private async Task<BackfillStatus> ReplaceAsync(string stream, BackfillStatus job, CancellationToken cancellationToken)
    {
        if (!job.Replace)
        {
            return job;
        }

        var staging = streams.Find(stream) is { } schema ? new StagingStream(schema.StagingKey, schema.Shards) : throw new InvalidOperationException($"This deployment runs no stream '{stream}'.");
        if (job.ReplaceWatermark is null)
        {
            await sink.DeleteRangeAsync(stream, job.From, job.To, cancellationToken);
            job = job with { ReplaceWatermark = (await StagingWatermark.ReadAsync(redis.GetDatabase(), stream, staging)).AsOf };
            await SaveAsync(stream, job, cancellationToken);
        }

        while ((await StagingWatermark.ReadAsync(redis.GetDatabase(), stream, staging)).CommittedTo < job.ReplaceWatermark)
        {
            await Task.Delay(WatermarkPoll, time, cancellationToken);
        }

        return job;
    }

    private async Task<BackfillStatus> LoadAsync(string stream, BackfillStatus job, CancellationToken cancellationToken)
    {
        var schema = streams.Find(stream) ?? throw new InvalidOperationException($"This deployment runs no stream '{stream}'.");
        var rules = streams.RulesOf(schema);
        var chunk = streams.OptionsOf(schema).ChunkSize;

        // Each attempt writes as a private list of its own, so that its positions never meet an earlier attempt's mark;
        // the earlier attempt's list is completed, as no write of it follows.
        if (job.Attempts > 1)
        {
            await sink.CompleteAsync(ListOf(stream, job, job.Attempts - 1), cancellationToken);
        }

        var list = ListOf(stream, job, job.Attempts);
        var position = 0L;
        while (job.HoursDone < job.Hours)
        {
            var hour = Path.Combine(archive.StreamDirectory(stream), ParquetArchive.HourDirectory(job.From.AddHours(job.HoursDone)));
            var files = Directory.Exists(hour) ? Directory.GetFiles(hour, "*.parquet").Order(StringComparer.Ordinal).ToArray() : [];
            foreach (var file in files)
            {
                await foreach (var rows in ReadAsync(file, rules, chunk, position, cancellationToken))
                {
                    var (written, refused) = await WriteAsync(stream, rules, list, rows, cancellationToken);
                    position += rows.Count;
                    job = job with
                    {
                        Read = job.Read + rows.Count,
                        Written = job.Written + written,
                        AlreadyStored = job.AlreadyStored + rows.Count - written - refused,
                        Refused = job.Refused + refused,
                    };
                    await SaveAsync(stream, job, cancellationToken);
                }
            }

            job = job with { HoursDone = job.HoursDone + 1 };
            await SaveAsync(stream, job, cancellationToken);
        }

        await sink.CompleteAsync(list, cancellationToken);
        return job with { State = BackfillStatus.Done, EndedAt = time.GetUtcNow() };
    }

    /// <summary>The file's rows (<see cref="ArchiveRows"/>); a file that cannot be read is named in the error.</summary>
    private static async IAsyncEnumerable<EventRows> ReadAsync(
        string file, EventRules rules, int chunk, long firstPosition, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var rows = ArchiveRows.ReadAsync(file, rules, chunk, firstPosition, cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            try
            {
                if (!await rows.MoveNextAsync())
                {
                    yield break;
                }
            }
            catch (IOException e) when (e is not FileNotFoundException)
            {
                throw new IOException($"The archive file '{file}' could not be read: {e.Message}", e);
            }

            yield return rows.Current;
        }
    }

    /// <summary>Writes the rows the store does not hold yet, in the order of the stream's first index.</summary>
    private async Task<(int Written, int Refused)> WriteAsync(string stream, EventRules rules, string list, EventRows rows, CancellationToken cancellationToken)
    {
        var stored = await sink.StoredAsync(stream, rows, cancellationToken);
        var unstored = Enumerable.Range(0, rows.Count).Where(row => !stored.Contains(rows.EventIds[row])).ToArray();
        if (unstored.Length == 0)
        {
            return (0, 0);
        }

        rules.Sort(rows, unstored);
        var batch = new EventBatch(stream, rules.Version, list, 0, rows.Positions[0], rows.Positions[rows.Count - 1] + 1, rows, unstored);
        var result = await _retry.ExecuteAsync(async token => await sink.WriteAsync(batch, token), cancellationToken);
        return (result.Written, result.Refused.Length);
    }

    /// <summary>The private list an attempt writes as: its progress marks and its ledger entries in the store.</summary>
    private static string ListOf(string stream, BackfillStatus job, int attempt) =>
        string.Create(CultureInfo.InvariantCulture, $"backfill:{stream}:{job.StartedAt.ToUnixTimeMilliseconds()}:{attempt}");

    private Task SaveAsync(string stream, BackfillStatus job, CancellationToken cancellationToken) =>
        DurableDirectory.WriteFileAsync(StatusPath(stream), job, ArchiveJsonContext.Default.BackfillStatus, cancellationToken);

    private string StatusPath(string stream) => Path.Combine(archive.StreamDirectory(stream), "_backfill", "status.json");

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    [LoggerMessage(EventId = 1404, Level = LogLevel.Information,
        Message = "The backfill of {Stream} into {Sink} over [{From}, {To}) is done: {Written} events written, {AlreadyStored} held already, {Refused} refused")]
    private static partial void LogDone(ILogger logger, string stream, string sink, DateTimeOffset from, DateTimeOffset to, long written, long alreadyStored, long refused);

    [LoggerMessage(EventId = 1405, Level = LogLevel.Warning, Message = "Attempt {Attempt} of the backfill of {Stream} failed: {Outcome}")]
    private static partial void LogAttemptFailed(ILogger logger, string stream, int attempt, string outcome, Exception exception);
}
