using System.Buffers;
using System.Text.Json;
using ClickOrleans.Staging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ClickOrleans.Api.Ingest;

/// <summary>
/// Stages accepted clicks on the staging list (compact JSON elements), and pokes the aggregator when a push made
/// the list cross a multiple of <c>Clicks:FlushSize</c>.
/// </summary>
/// <remarks>
/// Group commit: the requests that arrive while a push is in flight go out together in the next LPUSH, so Redis
/// sees one command for many single-click requests. A request still returns only once Redis acknowledged the push
/// that carried its clicks, and its clicks are never split across pushes: a batch stays atomic.
/// Clicks with a client-given id are pushed by a script that leaves out the ids staged within
/// <c>Clicks:IdempotencyWindow</c> (a client's retry); clicks without one pay nothing for it.
/// </remarks>
public sealed partial class ClickStager
{
    /// <summary>The most elements one push groups; a single request may exceed it alone.</summary>
    internal const int MaxGroupedElements = 10_000;

    private readonly StagingList _staging;
    private readonly IGrainFactory _grains;
    private readonly StagingOptions _options;
    private readonly TimeSpan _idempotencyWindow;
    private readonly ILogger<ClickStager> _logger;
    private readonly GroupCommit<StagedRequest, long> _pushes;

    public ClickStager(
        StagingList staging, IGrainFactory grains, IOptions<StagingOptions> options, IOptions<IngestOptions> ingest, ILogger<ClickStager> logger)
    {
        _staging = staging;
        _grains = grains;
        _options = options.Value;
        _idempotencyWindow = ingest.Value.IdempotencyWindow;
        _logger = logger;
        _pushes = new GroupCommit<StagedRequest, long>(PushAsync, request => request.Elements.Length, MaxGroupedElements);
    }

    /// <summary>Completes once Redis acknowledged the push; fails when Redis cannot be reached.</summary>
    public Task StageAsync(IReadOnlyList<Click> clicks) => _pushes.CommitAsync(new StagedRequest(Serialize(clicks), ClientIds(clicks)));

    /// <returns>For each request, the staging list's length after the push that carried it.</returns>
    private async Task<long[]> PushAsync(IReadOnlyList<StagedRequest> requests)
    {
        RedisValue[] elements = requests.Count == 1 ? requests[0].Elements : [.. requests.SelectMany(request => request.Elements)];
        long length;
        if (requests.All(request => request.ClientIds is null))
        {
            length = await _staging.PushAsync(elements);
        }
        else
        {
            string?[] clientIds = [.. requests.SelectMany(request => request.ClientIds ?? new string?[request.Elements.Length])];
            length = await _staging.PushOnceAsync(elements, clientIds, _idempotencyWindow);
        }

        if (CrossedFlushSize(length, elements.Length, _options.FlushSize))
        {
            Poke();
        }

        return [.. requests.Select(_ => length)];
    }

    /// <summary>
    /// Every push after the threshold sees a length past it too; only the push that crossed a multiple of the
    /// flush size pokes, so a busy list pokes once per flush size, not once per push.
    /// </summary>
    internal static bool CrossedFlushSize(long lengthAfterPush, int pushed, long flushSize) =>
        flushSize > 0 && lengthAfterPush / flushSize > (lengthAfterPush - pushed) / flushSize;

    /// <returns>Per click, its client-given id (null where the Api made it); null when no click has one.</returns>
    private static string?[]? ClientIds(IReadOnlyList<Click> clicks)
    {
        string?[]? ids = null;
        for (var i = 0; i < clicks.Count; i++)
        {
            if (clicks[i].IdFromClient)
            {
                (ids ??= new string?[clicks.Count])[i] = clicks[i].Id;
            }
        }

        return ids;
    }

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

    // The clicks are staged whatever happens here: the size-check timer and the reminder drain them anyway.
    // Nothing may escape either: the push succeeded, and its requests must hear so.
    private void Poke()
    {
        try
        {
            _grains.GetGrain<IAggregatorGrain>(_options.StagingKey).Poke().Ignore();
        }
        catch (Exception e)
        {
            LogPokeFailed(_logger, _options.StagingKey, e);
        }
    }

    /// <summary>One request's elements, and per element its client-given id (null: none in the request).</summary>
    private sealed record StagedRequest(RedisValue[] Elements, string?[]? ClientIds);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning,
        Message = "Could not poke the aggregator of {StagingKey}; its timer and reminder will drain the list")]
    private static partial void LogPokeFailed(ILogger logger, string stagingKey, Exception exception);
}
