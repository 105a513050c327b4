using System.Buffers;
using System.Text.Json;
using ClickOrleans.Staging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ClickOrleans.Api.Ingest;

/// <summary>
/// Stages accepted clicks on the staging list (compact JSON elements, all of a request in one LPUSH), and pokes
/// the aggregator when the push made the list cross a multiple of <c>Clicks:FlushSize</c>.
/// </summary>
public sealed partial class ClickStager(
    StagingList staging,
    IGrainFactory grains,
    IOptions<StagingOptions> options,
    ILogger<ClickStager> logger)
{
    /// <summary>Returns once Redis acknowledged the push; throws when Redis cannot be reached.</summary>
    public async Task StageAsync(IReadOnlyList<Click> clicks)
    {
        var length = await staging.PushAsync(Serialize(clicks));
        if (CrossedFlushSize(length, clicks.Count, options.Value.FlushSize))
        {
            Poke();
        }
    }

    /// <summary>
    /// Every push after the threshold sees a length past it too; only the push that crossed a multiple of the
    /// flush size pokes, so a busy list pokes once per flush size, not once per push.
    /// </summary>
    internal static bool CrossedFlushSize(long lengthAfterPush, int pushed, long flushSize) =>
        flushSize > 0 && lengthAfterPush / flushSize > (lengthAfterPush - pushed) / flushSize;

    private static RedisValue[] Serialize(IReadOnlyList<Click> clicks)
    {
        var buffer = new ArrayBufferWriter<byte>(clicks.Count * 96);
        var ends = new int[clicks.Count];
        using (var writer = new Utf8JsonWriter(buffer))
        {
            for (var i = 0; i < clicks.Count; i++)
            {
                StagedElement.Write(writer, clicks[i]);
                writer.Flush();
                writer.Reset();
                ends[i] = buffer.WrittenCount;
            }
        }

        var written = buffer.WrittenMemory;
        var elements = new RedisValue[clicks.Count];
        for (int i = 0, start = 0; i < clicks.Count; start = ends[i], i++)
        {
            elements[i] = written[start..ends[i]];
        }

        return elements;
    }

    // The click is staged whatever happens here: the size-check timer and the reminder drain it anyway.
    private void Poke()
    {
        try
        {
            grains.GetGrain<IAggregatorGrain>(options.Value.StagingKey).Poke().Ignore();
        }
        catch (Exception e) when (e is OrleansException or TimeoutException or InvalidOperationException)
        {
            LogPokeFailed(logger, options.Value.StagingKey, e);
        }
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning,
        Message = "Could not poke the aggregator of {StagingKey}; its timer and reminder will drain the list")]
    private static partial void LogPokeFailed(ILogger logger, string stagingKey, Exception exception);
}
