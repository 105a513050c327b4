using System.Globalization;
using StackExchange.Redis;

namespace ClickOrleans.Staging;

/// <summary>The Redis keys of one staging list and its drain bookkeeping: the one place they are spelled.</summary>
/// <remarks>
/// Producers push to the staging key itself (<c>product-click-staging</c> by default, the original pattern's). Every
/// other key carries the staging key as its Redis Cluster hash tag, <c>{product-click-staging}:…</c>, so it lives in
/// the staging list's hash slot: a drain's scripts touch one slot, and on Redis Cluster one node. A staging key may not
/// contain braces; with that, the keys of two staging keys can never collide.
/// </remarks>
public sealed class StagingKeys
{
    private readonly string _tag;

    public StagingKeys(string staging)
    {
        if (!IsValidStagingKey(staging))
        {
            throw new ArgumentException($"'{staging}' is not a valid staging key: {StagingKeyRule}", nameof(staging));
        }

        Staging = staging;
        _tag = "{" + staging + "}:";
        Dead = _tag + "dead";
        PrivateLists = _tag + "private-lists";
        PrivateListInfo = _tag + "private-list-info";
        PrivateListsRemaining = _tag + "private-remaining";
        LastTick = _tag + "last-tick";
        SchedulePeriod = _tag + "drain-period";
        Schedule = _tag + "drain-schedule";
        ScheduleFired = _tag + "schedule-fired";
        Stats = _tag + "stats";
        WaitingSince = _tag + "waiting-since";
        ClientIdCounts = _tag + "client-id-counts";
    }

    public const string StagingKeyRule = "1 to 200 characters, no braces, no spaces or control characters";

    /// <summary>The list producers LPUSH onto.</summary>
    public RedisKey Staging { get; }

    /// <summary>Elements that are not valid clicks or that the sink refused, with the reason.</summary>
    public RedisKey Dead { get; }

    /// <summary>Hash of private lists not yet fully drained → how many of their oldest elements are committed (the drain's cursor).</summary>
    public RedisKey PrivateLists { get; }

    /// <summary>Hash of private lists → what was fixed when they were taken over: time, length, sink partitions.</summary>
    public RedisKey PrivateListInfo { get; }

    /// <summary>How many elements wait in private lists, all together: kept by the drain's scripts, read by the backlog limit.</summary>
    public RedisKey PrivateListsRemaining { get; }

    /// <summary>The highest tick id used so far, so that a private list name is never used twice.</summary>
    public RedisKey LastTick { get; }

    /// <summary>The usual time between scheduled drains (ms): what "three drain periods" means for a stall.</summary>
    public RedisKey SchedulePeriod { get; }

    /// <summary>The drain schedule last registered (a period or a cron expression), so silos re-register it only when it changed.</summary>
    public RedisKey Schedule { get; }

    /// <summary>The last occurrence of the cron schedule that started a drain (Unix ms): no occurrence starts two.</summary>
    public RedisKey ScheduleFired { get; }

    /// <summary>Hash of drain totals, the last drain, the last failure and the last progress, so the stats outlive an activation.</summary>
    public RedisKey Stats { get; }

    /// <summary>
    /// Since when (Unix ms, Redis' clock) the staging list has held elements no drain took over, as first noticed by a
    /// look at it; the take-over clears it. What a stall without a private list is measured by.
    /// </summary>
    public RedisKey WaitingSince { get; }

    /// <summary>
    /// Hash of sixteenths of the idempotency window (Redis' clock) → how many client-id markers the Api created in each:
    /// what <c>Clicks:MaxClientIds</c> is checked against.
    /// </summary>
    public RedisKey ClientIdCounts { get; }

    /// <summary>The private list a take-over with this tick id creates: <c>{staging}:private:&lt;tick id&gt;</c>.</summary>
    public RedisKey PrivateList(long tickId) => _tag + "private:" + tickId.ToString(CultureInfo.InvariantCulture);

    /// <summary>The staging key whose take-over created <paramref name="privateList"/> (<see cref="PrivateList"/>).</summary>
    public static string StagingKeyOf(string privateList)
    {
        var end = privateList.IndexOf("}:private:", StringComparison.Ordinal);
        return privateList.StartsWith('{') && end > 0
            ? privateList[1..end]
            : throw new ArgumentException($"'{privateList}' is not a private list's name: {{<staging key>}}:private:<tick id>", nameof(privateList));
    }

    /// <summary>Marks a client-given event id as staged, for the idempotency window.</summary>
    public RedisKey ClientId(string id) => _tag + "client-id:" + id;

    public static bool IsValidStagingKey(string? key)
    {
        if (string.IsNullOrEmpty(key) || key.Length > 200)
        {
            return false;
        }

        foreach (var c in key)
        {
            if (c is '{' or '}' || char.IsWhiteSpace(c) || char.IsControl(c))
            {
                return false;
            }
        }

        return true;
    }
}
