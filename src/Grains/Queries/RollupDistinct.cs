using ClickOrleans.Streams;

namespace ClickOrleans.Queries;

/// <summary>A rollup's distinct counts, read apart from its buckets (they do not add up over dimensions), put into them.</summary>
internal static class RollupDistinct
{
    /// <param name="counts">Per bucket and counted field, its distinct values.</param>
    public static RollupBucket[] Merge(RollupBucket[] buckets, StreamRollup rollup, IEnumerable<(DateTimeOffset Bucket, string Field, long Count)> counts)
    {
        var byBucket = counts.ToLookup(count => count.Bucket);
        return [.. buckets.Select(bucket => bucket with
        {
            Distinct = rollup.Distinct.ToDictionary(
                field => field,
                field => byBucket[bucket.Start].Where(count => count.Field == field).Sum(count => count.Count),
                StringComparer.Ordinal),
        })];
    }
}
