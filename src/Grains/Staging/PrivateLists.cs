using StackExchange.Redis;

namespace ClickOrleans.Staging;

/// <summary>
/// The drain's side of Redis for one staging list: take it over into a private list, read a private list chunk by
/// chunk, commit each chunk, and forget the list once it is drained. Every read, commit and completion checks the
/// committed offset it expects, in the same script that acts, so a stale drain (a silo declared dead that still runs,
/// a second activation) is refused on every operation, never only at the end.
/// </summary>
/// <remarks>
/// The drain's scripts run when Redis is out of memory (<c>allow-oom</c>; the read is <c>no-writes</c>): a drain is what
/// frees memory, so it must go on while the producers' pushes are refused.
/// A private list is drained from its tail (its oldest element). A chunk is trimmed off the list in the same script
/// that advances the committed offset, so Redis memory shrinks as the drain goes on and the position of every element
/// (offset + index from the tail) stays stable for a replay.
/// </remarks>
/// <param name="writes">For a drain: where its writes go and how they are acknowledged (<c>Clicks:Staging:Replicas</c>,
/// <c>CommitAof</c>) before the drain relies on them (its <see cref="AcknowledgedWrites.Database"/> is <paramref name="redis"/>).
/// Null for readers.</param>
public sealed class PrivateLists(IDatabase redis, StagingKeys keys, AcknowledgedWrites? writes = null)
{
    /// <summary>
    /// The most bytes one read returns (at least one element, however large): a chunk's memory stays bounded when
    /// producers push large elements, and no element is ever cut.
    /// </summary>
    public const int MaxChunkBytes = 32 * 1024 * 1024;

    // KEYS[1] staging list, KEYS[2] the new private list, KEYS[3] private lists (name → committed offset),
    // KEYS[4] private list info (name → "<taken over at> <length> <partitions> <latest ts> <partitioned by> <schema version>
    // <the take-over before>"), KEYS[5] last tick id,
    // KEYS[6] stats, KEYS[7] elements left in private lists, KEYS[8] since when the staging list waits.
    // ARGV[1] tick id, ARGV[2] Clicks:MaxClockSkew (ms), ARGV[3] sink partitions, ARGV[4] what splits elements into them,
    // ARGV[5] the schema version the elements are judged by.
    // Returns {0} when the staging list does not exist, {1, length, taken over at} when taken over, {-1, last tick}
    // when the name was used.
    // The rename and the records of the new private list are one script: a crash right after leaves a list any drain
    // resumes. The take-over time is Redis' clock, the one clock every drain on every silo shares, and the latest valid
    // ts is fixed with it, so no silo's clock or settings can judge an element of this list differently later.
    // The take-over before it is kept with it, for the watermark (StagingWatermark).
    private static readonly FlaggedScript TakeOverScript = new("allow-oom", """
        if redis.call('EXISTS', KEYS[1]) == 0 then return {0} end
        local last = tonumber(redis.call('GET', KEYS[5]) or '0')
        if tonumber(ARGV[1]) <= last then return {-1, last} end
        if redis.call('RENAMENX', KEYS[1], KEYS[2]) == 0 then return {-1, tonumber(ARGV[1])} end
        local time = redis.call('TIME')
        local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
        redis.call('PERSIST', KEYS[2])
        redis.call('SET', KEYS[5], ARGV[1])
        local length = redis.call('LLEN', KEYS[2])
        redis.call('HSET', KEYS[3], KEYS[2], 0)
        local before = redis.call('HGET', KEYS[6], 'taken-over-at') or '0'
        redis.call('HSET', KEYS[4], KEYS[2], now .. ' ' .. length .. ' ' .. ARGV[3] .. ' ' .. (now + tonumber(ARGV[2])) .. ' ' .. ARGV[4] .. ' ' .. ARGV[5] .. ' ' .. before)
        redis.call('HSET', KEYS[6], 'progress-at', now, 'taken-over-at', now)
        redis.call('INCRBY', KEYS[7], length)
        redis.call('DEL', KEYS[8])
        return {1, length, now}
        """);

    // KEYS[1] private list, KEYS[2] private lists (name → committed offset).
    // ARGV[1] the committed offset the reader expects, ARGV[2] elements to skip past it, ARGV[3] the most elements to
    // read, ARGV[4] the most bytes to look at, large elements included (at least one element is read, whatever its
    // size), ARGV[5] the largest element returned whole (Clicks:MaxElementBytes), ARGV[6] the first window (Clicks:ReadWindow).
    // Returns {0} when the committed offset is not the expected one, else {1, elements, sizes, references, prefixes}: the
    // elements oldest first, concatenated, and their sizes, space-separated; an element larger than ARGV[5] is returned
    // empty, with "<index> <size> <sha1>" in references (space-separated triples) and its first 64 bytes in prefixes.
    // Elements are fetched in windows that start at ARGV[6] and double (up to 1024, or ARGV[6] if larger) while they are
    // small, and fall back to 1 after a large one: from 1, the script holds at most ARGV[4] bytes plus one window,
    // however large the elements a producer pushed. LRANGE, not LINDEX: Garnet walks its lists from the head.
    private static readonly FlaggedScript ReadScript = new("no-writes", """
        if redis.call('HGET', KEYS[2], KEYS[1]) ~= ARGV[1] then return {0} end
        local skip, count, budget, largest = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
        local window = tonumber(ARGV[6])
        local widest = math.max(window, 1024)
        local kept, sizes, references, prefixes, n, seen = {}, {}, {}, {}, 0, 0
        while n < count and (n == 0 or seen < budget) do
          local take = math.min(window, count - n)
          local items = redis.call('LRANGE', KEYS[1], -(skip + n + take), -(skip + n + 1))
          local large = false
          for i = #items, 1, -1 do
            local item = items[i]
            local size = string.len(item)
            if n > 0 and seen + size > budget then
              items = {}
              break
            end
            n = n + 1
            seen = seen + size
            if size > largest then
              kept[n], sizes[n] = '', 0
              references[#references + 1] = (n - 1) .. ' ' .. size .. ' ' .. redis.sha1hex(item)
              prefixes[#prefixes + 1] = string.sub(item, 1, 64)
              large = true
            else
              kept[n], sizes[n] = item, size
            end
          end
          if #items < take then break end
          window = large and 1 or math.min(window * 2, widest)
        end
        return {1, table.concat(kept), table.concat(sizes, ' '), table.concat(references, ' '), prefixes}
        """);

    // KEYS[1] private list, KEYS[2] private lists, KEYS[3] dead-letter list, KEYS[4] stats, KEYS[5] elements left in private lists.
    // ARGV[1] expected committed offset, ARGV[2] elements committed, ARGV[3] written, ARGV[4] skipped, ARGV[5] the most dead
    // letters kept (Clicks:MaxDeadLetters), ARGV[6...] dead letters. Returns 0 when the committed offset is not the expected
    // one (another drain got there first). Past the bound, the oldest dead letters go, counted in the stats' dead-dropped.
    // The figures go into the totals with the commit: a drain that fails later still shows what it committed. The
    // progress time is Redis' clock, as every time the stall rule compares.
    private static readonly FlaggedScript CommitScript = new("allow-oom", """
        if redis.call('HGET', KEYS[2], KEYS[1]) ~= ARGV[1] then return 0 end
        local time = redis.call('TIME')
        redis.call('LTRIM', KEYS[1], 0, -1 - tonumber(ARGV[2]))
        redis.call('HINCRBY', KEYS[2], KEYS[1], ARGV[2])
        for i = 6, #ARGV do redis.call('LPUSH', KEYS[3], ARGV[i]) end
        if #ARGV > 5 then
          local over = redis.call('LLEN', KEYS[3]) - tonumber(ARGV[5])
          if over > 0 then
            redis.call('LTRIM', KEYS[3], 0, tonumber(ARGV[5]) - 1)
            redis.call('HINCRBY', KEYS[4], 'dead-dropped', over)
          end
        end
        redis.call('HINCRBY', KEYS[4], 'elements', ARGV[2])
        redis.call('HINCRBY', KEYS[4], 'written', ARGV[3])
        redis.call('HINCRBY', KEYS[4], 'skipped', ARGV[4])
        redis.call('HINCRBY', KEYS[4], 'dead', #ARGV - 5)
        redis.call('HSET', KEYS[4], 'progress-at', tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000))
        redis.call('DECRBY', KEYS[5], ARGV[2])
        return 1
        """);

    // KEYS[1] private list, KEYS[2] private lists, KEYS[3] private list info, KEYS[4] stats, KEYS[5] elements left in private lists.
    // ARGV[1] expected committed offset, ARGV[2] elements lost, ARGV[3] the loss as JSON.
    // Returns 0 when the committed offset is not the expected one.
    private static readonly FlaggedScript CompleteScript = new("allow-oom", """
        if redis.call('HGET', KEYS[2], KEYS[1]) ~= ARGV[1] then return 0 end
        local time = redis.call('TIME')
        redis.call('DEL', KEYS[1])
        redis.call('HDEL', KEYS[2], KEYS[1])
        redis.call('HDEL', KEYS[3], KEYS[1])
        redis.call('HSET', KEYS[4], 'progress-at', tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000))
        if tonumber(ARGV[2]) > 0 then
          redis.call('HINCRBY', KEYS[4], 'lost', ARGV[2])
          redis.call('HSET', KEYS[4], 'last-loss', ARGV[3])
          redis.call('DECRBY', KEYS[5], ARGV[2])
        end
        return 1
        """);

    // KEYS[1] private lists. ARGV[1] a private list. Writes its committed offset again as it is: something for a WAIT to
    // count, so that a drain that resumes a list knows its take-over and last commit are on the replicas (and in the log).
    private static readonly FlaggedScript TouchScript = new("allow-oom", """
        local offset = redis.call('HGET', KEYS[1], ARGV[1])
        if offset then redis.call('HSET', KEYS[1], ARGV[1], offset) end
        return 0
        """);

    public StagingKeys Keys => keys;

    /// <summary>
    /// Before a drain resumes <paramref name="list"/>: with <c>Clicks:Staging:Replicas</c> or <c>CommitAof</c>, waits until
    /// the replicas or the log have its take-over and every commit so far, so nothing is written to the sink on the
    /// strength of a record a failover or a crash could lose.
    /// </summary>
    /// <exception cref="StagingNotReplicatedException">Fewer replicas acknowledged in time.</exception>
    public async Task ConfirmAcknowledgedAsync(PrivateList list)
    {
        if (writes is { Acknowledges: true })
        {
            await TouchScript.EvaluateAsync(redis, [keys.PrivateLists], [list.Name]);
            await writes.AcknowledgedAsync(keys.Staging);
        }
    }

    /// <summary>The private lists earlier drains left unfinished, oldest first.</summary>
    public async Task<IReadOnlyList<PrivateList>> AllAsync()
    {
        var batch = redis.CreateBatch();
        var offsets = batch.HashGetAllAsync(keys.PrivateLists);
        var infos = batch.HashGetAllAsync(keys.PrivateListInfo);
        batch.Execute();
        var info = (await infos).ToDictionary(entry => (string)entry.Name!, entry => (string)entry.Value!);
        var lists = new List<PrivateList>();
        foreach (var entry in await offsets)
        {
            var name = (string)entry.Name!;
            if (info.TryGetValue(name, out var fixedPart))
            {
                lists.Add(PrivateList.Parse(name, (long)entry.Value, fixedPart));
            }
        }

        lists.Sort(static (a, b) => a.TakenOverAtMs != b.TakenOverAtMs
            ? a.TakenOverAtMs.CompareTo(b.TakenOverAtMs)
            : string.CompareOrdinal(a.Name, b.Name));
        return lists;
    }

    /// <summary>
    /// Atomically renames the staging list to a new private list named after <paramref name="tickId"/> and records it
    /// with its take-over time (Redis' clock), length, partition count and latest valid <c>ts</c>; returns null when
    /// the staging list does not exist (nothing arrived since the last drain).
    /// </summary>
    /// <param name="maxClockSkew"><c>Clicks:MaxClockSkew</c>: fixes the latest valid <c>ts</c> of the list's elements.</param>
    /// <remarks>A tick id that was used before is replaced by the next unused one, so a private list name is never reused.</remarks>
    /// <exception cref="StagingConflictException">No unused name was found (other drains kept taking them).</exception>
    /// <exception cref="StagingNotReplicatedException">Taken over, but fewer replicas than <c>Clicks:Staging:Replicas</c> acknowledged it in time.</exception>
    /// <param name="partitionedBy">What splits the list's elements into partitions (<see cref="PrivateList.PartitionedBy"/>): fixed with it.</param>
    /// <param name="version">The schema version its elements are judged by (<see cref="PrivateList.Version"/>): fixed with it.</param>
    public async Task<PrivateList?> TakeOverAsync(long tickId, int partitions, TimeSpan maxClockSkew, string partitionedBy, string version)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var name = keys.PrivateList(tickId);
            var result = (long[])(await TakeOverScript.EvaluateAsync(
                redis,
                [keys.Staging, name, keys.PrivateLists, keys.PrivateListInfo, keys.LastTick, keys.Stats, keys.PrivateListsRemaining, keys.WaitingSince],
                [tickId, (long)maxClockSkew.TotalMilliseconds, partitions, partitionedBy, version]))!;
            switch (result[0])
            {
                case 0:
                    return null;
                case 1:
                    await AcknowledgedAsync();
                    return new PrivateList(name!, 0, result[2], result[1], partitions, result[2] + (long)maxClockSkew.TotalMilliseconds, partitionedBy, version);
                default:
                    tickId = Math.Max(tickId, result[1]) + 1;
                    break;
            }
        }

        throw new StagingConflictException($"Could not find an unused private list name for '{keys.Staging}'.");
    }

    /// <summary>
    /// Reads up to <paramref name="count"/> elements (and about <see cref="MaxChunkBytes"/>) of a private list, <paramref name="skip"/> elements past its
    /// committed offset, which must be <paramref name="committedOffset"/>: so a stale drain can never read elements at
    /// positions other than the ones it believes. Skipping reads the next chunk while the current one is written.
    /// </summary>
    /// <exception cref="StagingConflictException">The committed offset is not <paramref name="committedOffset"/>: another drain moved on.</exception>
    /// <param name="maxElementBytes"><c>Clicks:MaxElementBytes</c>: a larger element comes back as a reference (<see cref="ElementReference"/>), not whole.</param>
    /// <param name="firstWindow"><c>Clicks:ReadWindow</c>: the elements the read's first LRANGE fetches.</param>
    public async Task<ChunkElements> ReadAsync(string privateList, long committedOffset, int skip, int count, int maxElementBytes, int firstWindow)
    {
        var result = (RedisResult[])(await ReadScript.EvaluateAsync(
            redis, [privateList, keys.PrivateLists], [committedOffset, skip, count, MaxChunkBytes, maxElementBytes, firstWindow]))!;
        if ((long)result[0] == 0)
        {
            throw Moved(privateList, committedOffset);
        }

        return ChunkElements.Parse(
            committedOffset + skip, (byte[])result[1]!, (string)result[2]!, (string)result[3]!, [.. ((RedisResult[])result[4]!).Select(prefix => (byte[])prefix!)]);
    }

    /// <summary>
    /// Records that the <paramref name="count"/> oldest elements of a private list are in the sink: trims them off,
    /// advances the committed offset, appends the dead letters (dropping the oldest past <paramref name="maxDeadLetters"/>)
    /// and adds the chunk's figures to the totals, in one script.
    /// </summary>
    /// <exception cref="StagingConflictException">Another drain committed this private list in the meantime.</exception>
    /// <param name="maxDeadLetters"><c>Clicks:MaxDeadLetters</c>: the dead-letter list's bound.</param>
    public async Task CommitAsync(string privateList, long committedOffset, int count, long written, long skipped, RedisValue[] deadLetters, long maxDeadLetters)
    {
        var args = new RedisValue[deadLetters.Length + 5];
        args[0] = committedOffset;
        args[1] = count;
        args[2] = written;
        args[3] = skipped;
        args[4] = maxDeadLetters;
        deadLetters.CopyTo(args, 5);
        var committed = (long)await CommitScript.EvaluateAsync(
            redis, [privateList, keys.PrivateLists, keys.Dead, keys.Stats, keys.PrivateListsRemaining], args);
        if (committed == 0)
        {
            throw Moved(privateList, committedOffset);
        }

        await AcknowledgedAsync();
    }

    /// <summary>Forgets a fully drained private list; <paramref name="loss"/> records elements that vanished before they were drained.</summary>
    /// <exception cref="StagingConflictException">Another drain committed or completed this private list in the meantime.</exception>
    public async Task CompleteAsync(string privateList, long committedOffset, PrivateListLoss? loss)
    {
        var completed = (long)await CompleteScript.EvaluateAsync(
            redis,
            [privateList, keys.PrivateLists, keys.PrivateListInfo, keys.Stats, keys.PrivateListsRemaining],
            [committedOffset, loss?.Lost ?? 0, loss is null ? "" : DrainStats.Serialize(loss)]);
        if (completed == 0)
        {
            throw Moved(privateList, committedOffset);
        }

        await AcknowledgedAsync();
    }

    private Task AcknowledgedAsync() => writes?.AcknowledgedAsync(keys.Staging) ?? Task.CompletedTask;

    private static StagingConflictException Moved(string privateList, long committedOffset) =>
        new($"The committed offset of '{privateList}' is no longer {committedOffset}: another drain is working on it.");
}
