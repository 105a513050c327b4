using ClickOrleans.Streams;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ClickOrleans.Sinks.Postgres;

/// <summary>
/// Drops the day partitions past their stream's <c>Retention</c> on every silo: at start (once the store is migrated) and every
/// <see cref="PostgresSinkOptions.RetentionCheckPeriod"/>. Silos share the work by each table's lock; a pass that
/// finds nothing to drop changes nothing.
/// </summary>
internal sealed partial class PostgresRetentionService(
    PostgresEventSink sink,
    StreamCatalog streams,
    IOptions<PostgresSinkOptions> options,
    TimeProvider time,
    ILogger<PostgresRetentionService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var retained = streams.Streams.Where(stream => stream.Retention is not null).ToList();
        if (retained.Count == 0)
        {
            return;
        }

        await sink.Migrated.WaitAsync(stoppingToken); // the first pass, at start, once the tables and their partitions are known
        using var timer = new PeriodicTimer(options.Value.RetentionCheckPeriod, time);
        do
        {
            foreach (var stream in retained)
            {
                try
                {
                    foreach (var partition in await sink.DropExpiredAsync(stream.Name, time.GetUtcNow(), stoppingToken))
                    {
                        LogDropped(logger, partition, stream.Name, stream.Retention!);
                    }
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    LogFailed(logger, exception, stream.Name);
                }
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(EventId = 1407, Level = LogLevel.Information,
        Message = "Dropped partition {Partition} of stream {Stream}: its day ended more than its retention {Retention} ago")]
    private static partial void LogDropped(ILogger logger, string partition, string stream, string retention);

    [LoggerMessage(EventId = 1408, Level = LogLevel.Error,
        Message = "Dropping the partitions of stream {Stream} past its retention failed; they stay, and the next pass tries again")]
    private static partial void LogFailed(ILogger logger, Exception exception, string stream);
}
