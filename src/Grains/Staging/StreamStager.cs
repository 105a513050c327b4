using System.IO.Hashing;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ClickOrleans.Staging;

/// <summary>
/// The Redis half of ingest: stages accepted events on the stream's staging lists (compact JSON elements), one shard
/// per request, and pokes a shard's aggregator when a push made its list cross a multiple of <c>Clicks:FlushSize</c>.
/// Redis' failures leave it as staging's own exceptions (<see cref="StagingFailures"/>), so its callers need to know
/// nothing of the Redis client.
/// </summary>
/// <remarks>
/// Group commit: the requests that arrive at a shard while a push to it is in flight go out together in its next
/// LPUSH, so Redis sees one command for many single-click requests. A request still returns only once Redis
/// acknowledged the push that carried its clicks (and, with <c>Clicks:Staging:Replicas</c>, once that many replicas
/// have it). A request without client-given ids is never split across pushes or shards: it stays atomic.
/// With <c>Clicks:MaxBacklog</c>, a script checks the shard's backlog and pushes in the same round trip: a push that
/// would pass it is refused whole. Clicks with a client-given id are pushed by that script, which leaves out the ids
/// staged within <c>Clicks:IdempotencyWindow</c> (a client's retry), each on the shard its id hashes to, so a retry
/// meets its marker; clicks without one pay nothing for it and go to the shards in turn.
/// </remarks>
public sealed partial class StreamStager
{
    /// <summary>The most elements one push groups; a single request may exceed it alone.</summary>
    internal const int MaxGroupedElements = 10_000;

    private readonly Shard[] _shards;
    private readonly AcknowledgedWrites _writes;
    private readonly IGrainFactory _grains;
    private readonly ClickOptions _options;
    private readonly StagingLimits _limits;
    private readonly ILogger<StreamStager> _logger;
    private int _turn;

    public StreamStager(
        AcknowledgedWrites writes, StagingStream stream, IGrainFactory grains, IOptions<ClickOptions> options,
        ILogger<StreamStager> logger)
    {
        _writes = writes;
        _grains = grains;
        _options = options.Value;
        _limits = new StagingLimits(_options.IdempotencyWindow, _options.MaxBacklog, _options.MaxClientIds);
        _logger = logger;
        _shards = [.. stream.Shards.Select(keys => new Shard(this, new StagingList(writes.Database, keys)))];
    }

    /// <summary>Stages elements in the staging format (<see cref="Streams.EventRules.Write"/>); completes once Redis acknowledged the push.</summary>
    /// <param name="clientIds">Per element, its client-given id (null where the Api made it); null when no element has one.</param>
    /// <exception cref="BacklogFullException">The shard's backlog is at <c>Clicks:MaxBacklog</c>: nothing was staged.</exception>
    /// <exception cref="ClientIdsFullException">The shard holds <c>Clicks:MaxClientIds</c> client ids: nothing was staged.</exception>
    /// <exception cref="StagingNotReplicatedException">Fewer replicas than <c>Clicks:Staging:Replicas</c> acknowledged in time.</exception>
    /// <exception cref="StagingUnavailableException">Redis could not be reached or refused writes for a while: the events may or may not be staged.</exception>
    public async Task StageAsync(RedisValue[] elements, string?[]? clientIds)
    {
        try
        {
            await (_shards.Length == 1 || clientIds is null
                ? NextShard().Pushes.CommitAsync(new StagedRequest(elements, clientIds))
                : StageByClientIdAsync(elements, clientIds));
        }
        catch (Exception e) when (StagingFailures.IsUnavailable(e))
        {
            throw StagingFailures.Unavailable(e);
        }
    }

    /// <summary>
    /// Every click with a client-given id goes to the shard its id hashes to, where its marker lives, whatever else its
    /// request carries: so a retry meets the marker however its batch is composed. A shard's part is one atomic push;
    /// the clicks without one go last, once every id's push succeeded, so that a failure (a 503) leaves only clicks with
    /// ids staged, which the client's retry then stages nothing of twice.
    /// </summary>
    private async Task StageByClientIdAsync(RedisValue[] elements, string?[] clientIds)
    {
        var parts = new List<int>?[_shards.Length];
        List<int>? withoutId = null;
        for (var i = 0; i < elements.Length; i++)
        {
            var list = clientIds[i] is { } id ? parts[ShardOf(id)] ??= [] : withoutId ??= [];
            list.Add(i);
        }

        var pushes = new List<Task>(parts.Length);
        for (var shard = 0; shard < parts.Length; shard++)
        {
            if (parts[shard] is { } part)
            {
                pushes.Add(_shards[shard].Pushes.CommitAsync(
                    new StagedRequest([.. part.Select(i => elements[i])], [.. part.Select(i => clientIds[i])])));
            }
        }

        await Task.WhenAll(pushes);
        if (withoutId is not null)
        {
            await NextShard().Pushes.CommitAsync(new StagedRequest([.. withoutId.Select(i => elements[i])], null));
        }
    }

    /// <summary>
    /// Every push after the threshold sees a length past it too; only the push that crossed a multiple of the
    /// flush size pokes, so a busy list pokes once per flush size, not once per push.
    /// </summary>
    internal static bool CrossedFlushSize(long lengthAfterPush, int pushed, long flushSize) =>
        flushSize > 0 && lengthAfterPush / flushSize > (lengthAfterPush - pushed) / flushSize;

    /// <summary>The shard of a client-given id: where its idempotency marker lives, for as long as <c>Clicks:Shards</c> stays.</summary>
    internal static int ShardOf(string clientId, int shards) => (int)(XxHash32.HashToUInt32(Encoding.UTF8.GetBytes(clientId)) % (uint)shards);

    private int ShardOf(string clientId) => ShardOf(clientId, _shards.Length);

    private Shard NextShard() =>
        _shards.Length == 1 ? _shards[0] : _shards[(uint)Interlocked.Increment(ref _turn) % (uint)_shards.Length];

    // The clicks are staged whatever happens here: the size-check timer and the reminder drain them anyway.
    // Nothing may escape either: the push succeeded, and its requests must hear so.
    private void Poke(string shardKey)
    {
        try
        {
            _grains.GetGrain<IAggregatorGrain>(shardKey).Poke().Ignore();
        }
        catch (Exception e)
        {
            LogPokeFailed(_logger, shardKey, e);
        }
    }

    /// <summary>One request's elements, and per element its client-given id (null: none in the request).</summary>
    private sealed record StagedRequest(RedisValue[] Elements, string?[]? ClientIds);

    /// <summary>One staging list of the stream and the group commit of its pushes.</summary>
    private sealed class Shard
    {
        private readonly StreamStager _stager;
        private readonly StagingList _list;

        public Shard(StreamStager stager, StagingList list)
        {
            _stager = stager;
            _list = list;
            Pushes = new GroupCommit<StagedRequest, long>(PushAsync, request => request.Elements.Length, MaxGroupedElements);
        }

        public GroupCommit<StagedRequest, long> Pushes { get; }

        /// <returns>For each request, the staging list's length after the push that carried it.</returns>
        private async Task<long[]> PushAsync(IReadOnlyList<StagedRequest> requests)
        {
            RedisValue[] elements = requests.Count == 1 ? requests[0].Elements : [.. requests.SelectMany(request => request.Elements)];
            long length;
            if (_stager._limits.MaxBacklog == 0 && requests.All(request => request.ClientIds is null))
            {
                length = await _list.PushAsync(elements);
            }
            else
            {
                string?[]? clientIds = requests.All(request => request.ClientIds is null)
                    ? null
                    : [.. requests.SelectMany(request => request.ClientIds ?? new string?[request.Elements.Length])];
                length = await _list.PushCheckedAsync(elements, clientIds, _stager._limits);
            }

            await _stager._writes.AcknowledgedAsync(_list.Keys.Staging);
            if (CrossedFlushSize(length, elements.Length, _stager._options.FlushSize))
            {
                _stager.Poke(_list.Keys.Staging!);
            }

            return [.. requests.Select(_ => length)];
        }
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning,
        Message = "Could not poke the aggregator of {StagingKey}; its timer and reminder will drain the list")]
    private static partial void LogPokeFailed(ILogger logger, string stagingKey, Exception exception);
}
