using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ClickOrleans.Sinks.Parquet;

/// <summary>
/// Runs the archive's compaction on every silo: at start (which completes a compaction a crash interrupted) and every
/// <see cref="ParquetSinkOptions.CompactionPeriod"/>. Silos share the work hour by hour, by the hours' locks.
/// </summary>
internal sealed partial class ArchiveCompactionService(
    ArchiveCompaction compaction,
    ParquetArchive archive,
    IOptions<ParquetSinkOptions> options,
    ArchiveTelemetry telemetry,
    TimeProvider time,
    ILogger<ArchiveCompactionService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var period = options.Value.CompactionPeriod;
        if (period <= TimeSpan.Zero || !archive.Streams.Any())
        {
            return;
        }

        await Task.Yield(); // the host's start does not wait for the first pass
        using var timer = new PeriodicTimer(period, time);
        do
        {
            foreach (var stream in archive.Streams)
            {
                try
                {
                    await compaction.CompactAsync(stream, stoppingToken);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    LogFailed(logger, exception, stream);
                    telemetry.RecordCompactionFailure(stream);
                }
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(EventId = 1403, Level = LogLevel.Error,
        Message = "Compacting the archive of stream {Stream} failed; its files stay as they are, and the next pass tries again")]
    private static partial void LogFailed(ILogger logger, Exception exception, string stream);
}
