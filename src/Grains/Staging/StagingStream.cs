using System.Globalization;

namespace ClickOrleans.Staging;

/// <summary>
/// The staging lists of the click stream: <c>Clicks:StagingKey</c> (shard 0, the original producers' key) and its
/// shards <c>&lt;key&gt;:1</c> … <c>&lt;key&gt;:&lt;n-1&gt;</c>. Each shard is a staging list of its own, with its own hash
/// slot, aggregator, reminder and private lists; order is kept within a shard, not across shards.
/// </summary>
public sealed class StagingStream
{
    public StagingStream(ClickOptions options)
        : this(options.StagingKey, options.Shards)
    {
    }

    public StagingStream(string stagingKey, int shards)
    {
        Shards = [.. Enumerable.Range(0, shards).Select(shard => new StagingKeys(ShardKey(stagingKey, shard)))];
    }

    public IReadOnlyList<StagingKeys> Shards { get; }

    /// <summary>The staging key of a shard: the stream's key for shard 0, <c>&lt;key&gt;:&lt;shard&gt;</c> for the others.</summary>
    public static string ShardKey(string stagingKey, int shard) =>
        shard == 0 ? stagingKey : string.Create(CultureInfo.InvariantCulture, $"{stagingKey}:{shard}");

    /// <summary>The shard number a staging key names: the number after its last colon, 0 when there is none.</summary>
    public static int ShardOf(string shardKey) =>
        shardKey.LastIndexOf(':') is var colon and >= 0 && int.TryParse(shardKey.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var shard)
            ? shard
            : 0;
}
