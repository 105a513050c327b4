using StackExchange.Redis;

namespace ClickOrleans.Staging;

/// <summary>The Redis keys of one staging list and its drain bookkeeping: the one place they are spelled.</summary>
/// <remarks>
/// For the default staging key <c>product-click-staging</c> the private lists are <c>product-click-&lt;tickId&gt;</c>,
/// as in the original pattern; for any other key <c>k</c> they are <c>k-&lt;tickId&gt;</c>.
/// </remarks>
public sealed class StagingKeys
{
    private const string StagingSuffix = "-staging";
    private readonly string _privatePrefix;

    public StagingKeys(string staging)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(staging);
        Staging = staging;
        Dead = staging + "-dead";
        Pending = staging + "-pending";
        LastTick = staging + "-last-tick";
        SchedulePeriod = staging + "-drain-period";
        Stats = staging + "-stats";
        _privatePrefix = staging.EndsWith(StagingSuffix, StringComparison.Ordinal)
            ? staging[..^(StagingSuffix.Length - 1)]
            : staging + "-";
    }

    /// <summary>The list producers LPUSH onto.</summary>
    public RedisKey Staging { get; }

    /// <summary>Elements that could not be parsed, with the reason.</summary>
    public RedisKey Dead { get; }

    /// <summary>Hash of private lists not yet fully drained → how many of their oldest elements are committed.</summary>
    public RedisKey Pending { get; }

    /// <summary>The highest tick id used so far, so that a private list name is never used twice.</summary>
    public RedisKey LastTick { get; }

    /// <summary>The drain reminder period last registered, so silos re-register it only when the configuration changed.</summary>
    public RedisKey SchedulePeriod { get; }

    /// <summary>Hash of drain totals and the last drain, so the figures outlive an activation.</summary>
    public RedisKey Stats { get; }

    public RedisKey PrivateList(long tickId) => _privatePrefix + tickId.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
