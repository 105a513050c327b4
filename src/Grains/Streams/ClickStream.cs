namespace ClickOrleans.Streams;

/// <summary>The built-in <c>clicks</c> stream, as its staging, its drain and its sinks handle it.</summary>
public static class ClickStream
{
    public const string Name = "clicks";

    /// <summary>What splits its lists into sink partitions: the product id, the key of its rollup.</summary>
    public const string PartitionedBy = "pid";

    public static StreamSchema Schema(ClickOptions options) => new(
        Name,
        "Product clicks: who clicked which product when. Staged by POST /clicks and POST /streams/clicks/events, or by "
            + "producers pushing {\"uid\":..,\"pid\":..} straight onto the staging key; queried by /products/... and /users/....",
        [
            EventFields.Id,
            EventFields.Ts(options),
            new StreamField("uid", FieldType.Int64, Required: true, Min: 0, Max: long.MaxValue, MaxLength: null, "The user's id."),
            new StreamField("pid", FieldType.Int64, Required: true, Min: 0, Max: long.MaxValue, MaxLength: null, "The product's id."),
        ],
        ExtraProperties.IgnoreWhenStaged,
        [new StreamRollup("minute", "PT1M", ["pid"], [], "product_clicks_minute", [], BucketColumn: "minute", CountColumn: "clicks")],
        [new StreamIndex("clicks_uid_ts", ["uid", "ts"])],
        options.StagingKey,
        options.Shards,
        "clicks",
        StreamDrainSettings.Of(options),
        TimeLookupField: "uid");
}
