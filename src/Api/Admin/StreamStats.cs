namespace ClickOrleans.Api.Admin;

/// <summary>The stats of the whole stream from those of its shards.</summary>
internal static class StreamStats
{
    public static AggregatorStats Stats(string stagingKey, AggregatorStats[] shards) =>
        shards.Length == 1
            ? shards[0] with { Shards = shards }
            : new AggregatorStats(
                stagingKey,
                shards.Sum(s => s.Backlog),
                [.. shards.SelectMany(s => s.PrivateLists)],
                shards.Sum(s => s.DeadLetters),
                new DrainTotals(
                    shards.Sum(s => s.Totals.Drains),
                    shards.Sum(s => s.Totals.FailedDrains),
                    shards.Sum(s => s.Totals.Elements),
                    shards.Sum(s => s.Totals.Written),
                    shards.Sum(s => s.Totals.Skipped),
                    shards.Sum(s => s.Totals.Dead),
                    shards.Sum(s => s.Totals.Lost),
                    shards.Sum(s => s.Totals.DeadDropped)),
                shards.Select(s => s.LastDrain).OfType<DrainResult>().MaxBy(d => d.StartedAt),
                shards.Max(s => s.Lag),
                shards.Any(s => s.Draining),
                shards.Max(s => s.LastProgress),
                shards.Select(s => s.LastFailure).OfType<DrainFailure>().MaxBy(f => f.At),
                shards.Max(s => s.FailuresInARow),
                shards.Select(s => s.LastLoss).OfType<PrivateListLoss>().MaxBy(l => l.At),
                shards.FirstOrDefault(s => s.Stall is not null) is { } stalled ? $"{stalled.StagingKey}: {stalled.Stall}" : null,
                shards,
                Sinks: Sinks(shards));

    /// <summary>Each sink over every shard: its events summed, its latest commit and failure, its longest run of failures.</summary>
    private static SinkStats[] Sinks(AggregatorStats[] shards) =>
        [.. shards.SelectMany(shard => shard.Sinks ?? [])
            .GroupBy(sink => sink.Name, StringComparer.Ordinal)
            .OrderBy(sink => sink.Key, StringComparer.Ordinal)
            .Select(sink => new SinkStats(
                sink.Key,
                sink.Sum(s => s.Written),
                sink.Max(s => s.LastCommit),
                sink.Select(s => s.LastFailure).OfType<DrainFailure>().MaxBy(f => f.At),
                sink.Max(s => s.FailuresInARow)))];

    /// <summary>One drain of every shard, as one: their lists and stats together, from the first start to the last end.</summary>
    public static DrainResult Drain(DrainResult[] shards)
    {
        var startedAt = shards.Min(d => d.StartedAt);
        return new DrainResult(
            [.. shards.SelectMany(d => d.Lists)],
            shards.Sum(d => d.Elements),
            shards.Sum(d => d.Written),
            shards.Sum(d => d.Skipped),
            shards.Sum(d => d.Dead),
            shards.Sum(d => d.Lost),
            shards.Sum(d => d.Chunks),
            startedAt,
            shards.Max(d => d.StartedAt + d.Duration) - startedAt);
    }
}
