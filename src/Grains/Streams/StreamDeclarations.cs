using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml;
using ClickOrleans.Drain;
using ClickOrleans.Staging;
using Microsoft.Extensions.Configuration;

namespace ClickOrleans.Streams;

/// <summary>
/// Reads the streams declared in the <c>Streams</c> section (<c>Streams:&lt;name&gt;:…</c>) into their schemas, or
/// says what is wrong, one message per setting, each naming its key.
/// </summary>
/// <remarks>
/// Read by hand rather than bound: a misspelt or unsupported key is refused by name instead of ignored, and a bad
/// type or bound says what it may be.
/// </remarks>
public static partial class StreamDeclarations
{
    private const int DefaultMaxLength = 256;
    private const int MaxMaxLength = 65_536;
    private const int MaxDimensions = 4, MaxIndexFields = 3;
    private static readonly string[] Settings =
        ["Description", "Extra", "Fields", "Indexes", "Rollups", "Sinks", "StagingKey", "Shards", "Table", "FlushSize", "DrainPeriod", "DrainSchedule", "ChunkSize", "Partitions", "Retention"];
    private static readonly string[] ClickSettings = ["Extra", "Fields", "Indexes", "Rollups", "Sinks", "Retention"];
    private const int MaxRetentionDays = 36_500;
    private static readonly string[] RollupSettings = ["Bucket", "By", "Sum", "CountDistinct", "Table"];
    private const int MaxPrecision = 28;
    private static readonly string[] FieldSettings = ["Type", "Required", "Min", "Max", "MaxLength", "Precision", "Scale", "Description"];
    private static readonly string[] Reserved = ["id", "ts", "event_id", "client_id", "extra"];

    /// <summary>The tables a stream's events may not take: the clicks stream's and the drain's own.</summary>
    private static readonly string[] ReservedTables = ["clicks", "product_clicks_minute", "drain_progress", "drain_refused", "drain_ledger", "schema_migrations", "stream_schemas"];

    private static readonly Dictionary<string, FieldType> Types = new(StringComparer.Ordinal)
    {
        ["int64"] = FieldType.Int64,
        ["float64"] = FieldType.Float64,
        ["bool"] = FieldType.Bool,
        ["string"] = FieldType.String,
        ["timestamp"] = FieldType.Timestamp,
        ["uuid"] = FieldType.Uuid,
        ["decimal"] = FieldType.Decimal,
    };

    /// <summary>
    /// The built-in clicks stream with what <c>Streams:clicks</c> adds to it, and the declared streams; what is wrong
    /// with them is added to <paramref name="failures"/> (no schema for those).
    /// </summary>
    /// <param name="options">The <c>Clicks</c> section: the built-in stream, whose name and staging key no declared stream may take.</param>
    public static (StreamSchema Clicks, IReadOnlyList<StreamSchema> Declared) Read(IConfiguration configuration, ClickOptions options, List<string> failures)
    {
        var clicks = ClickStream.Schema(options);
        var streams = new List<StreamSchema>();
        foreach (var section in configuration.GetSection(StreamCatalog.Section).GetChildren())
        {
            if (section.Key == ClickStream.Name)
            {
                clicks = Extend(section, clicks, failures) ?? clicks;
            }
            else if (Read(section, options, failures) is { } stream)
            {
                streams.Add(stream);
            }
        }

        foreach (var taken in streams.GroupBy(stream => stream.StagingKey).Where(group => group.Count() > 1))
        {
            failures.Add($"Streams:{string.Join(", Streams:", taken.Select(s => s.Name))}: share the staging key '{taken.Key}'; every stream needs its own.");
        }

        var tables = streams.Prepend(clicks).SelectMany(stream => stream.Rollups.Select(rollup => (Owner: $"Streams:{stream.Name}:Rollups:{rollup.Name}", rollup.Table))
            .Concat(stream.Rollups.Where(rollup => rollup.Distinct.Count > 0).Select(rollup => (Owner: $"Streams:{stream.Name}:Rollups:{rollup.Name}", Table: rollup.ValuesTable)))
            .Concat(stream.Indexes.Select(index => (Owner: $"Streams:{stream.Name}:Indexes:{index.Name}", Table: StreamIndex.Relation(stream.Table, index.Name))))
            .Prepend((Owner: $"Streams:{stream.Name}", stream.Table)));
        foreach (var taken in tables.GroupBy(table => table.Table).Where(group => group.Count() > 1))
        {
            failures.Add($"{string.Join(", ", taken.Select(table => table.Owner))}: share the table '{taken.Key}'; every stream and rollup needs its own.");
        }

        return (clicks, streams);
    }

    /// <summary>
    /// The built-in clicks stream extended like any other: new optional fields, extra properties kept, rollups and
    /// indexes of its own; its staging key, shards, tables and drain settings stay those of the <c>Clicks</c> section.
    /// </summary>
    private static StreamSchema? Extend(IConfigurationSection stream, StreamSchema builtIn, List<string> failures)
    {
        var before = failures.Count;
        var key = $"{StreamCatalog.Section}:{builtIn.Name}";
        foreach (var setting in stream.GetChildren().Select(child => child.Key).Where(setting => !ClickSettings.Contains(setting, StringComparer.Ordinal)))
        {
            failures.Add(Settings.Contains(setting, StringComparer.Ordinal)
                ? $"{key}:{setting} cannot be set: the built-in clicks stream's staging, tables and drain are set in the Clicks section (Clicks:StagingKey, Clicks:Shards, Clicks:ChunkSize, …)."
                : $"{key}:{setting} is not a setting of the clicks stream; it takes {string.Join(", ", ClickSettings)}.");
        }

        var extra = ReadExtra(stream, key, builtIn.Extra, failures);
        var fields = builtIn.Fields.ToList();
        foreach (var field in stream.GetSection("Fields").GetChildren().OrderBy(field => field.Key, StringComparer.Ordinal))
        {
            if (builtIn.Fields.Any(existing => existing.Name == field.Key))
            {
                failures.Add($"{key}:Fields:{field.Key} is a field of the built-in clicks stream already; add fields of other names.");
            }
            else if (ReadField(field, $"{key}:Fields:{field.Key}", failures) is { } read)
            {
                fields.Add(read);
            }
        }

        foreach (var taken in stream.GetSection("Rollups").GetChildren().Where(rollup => builtIn.Rollups.Any(existing => existing.Name == rollup.Key))
            .Concat(stream.GetSection("Indexes").GetChildren().Where(index => builtIn.Indexes.Any(existing => existing.Name == index.Key))))
        {
            failures.Add($"{key}:{taken.Path[(key.Length + 1)..]} is one of the built-in clicks stream's already; give it another name.");
        }

        var rollups = builtIn.Rollups.ToList();
        rollups.AddRange(ReadRollups(stream, key, builtIn.Table, fields, failures));
        var indexes = builtIn.Indexes.ToList();
        indexes.AddRange(ReadIndexes(stream, key, fields, failures));
        var sinks = StreamSinks.Read(stream, key, failures);
        var retention = ReadRetention(stream, key, failures);
        return failures.Count > before ? null : builtIn with { Fields = fields, Extra = extra, Rollups = rollups, Indexes = indexes, Sinks = sinks, Retention = retention };
    }

    private static StreamSchema? Read(IConfigurationSection stream, ClickOptions options, List<string> failures)
    {
        var name = stream.Key;
        var before = failures.Count;
        var key = $"{StreamCatalog.Section}:{name}";
        if (!Identifier().IsMatch(name))
        {
            failures.Add($"{key}: a stream's name must be 1 to 48 characters of a-z, 0-9 and _, starting with a letter (it names its table and its URLs).");
        }

        foreach (var setting in stream.GetChildren().Select(child => child.Key).Where(setting => !Settings.Contains(setting, StringComparer.Ordinal)))
        {
            failures.Add($"{key}:{setting} is not a setting of a stream; they are {string.Join(", ", Settings)}.");
        }

        var stagingKey = stream["StagingKey"] ?? name + "-staging";
        if (!StagingKeys.IsValidStagingKey(stagingKey))
        {
            failures.Add($"{key}:StagingKey must be {StagingKeys.StagingKeyRule}.");
        }
        else if (stagingKey == options.StagingKey)
        {
            failures.Add($"{key}:StagingKey '{stagingKey}' is the clicks stream's (Clicks:StagingKey); every stream needs its own.");
        }

        var shards = (int)Number(stream, "Shards", key, 1, 1024, 1, failures);

        var table = stream["Table"] ?? name;
        if (!Identifier().IsMatch(table) || ReservedTables.Contains(table, StringComparer.Ordinal))
        {
            failures.Add($"{key}:Table must be 1 to 48 characters of a-z, 0-9 and _, starting with a letter, and not one of {string.Join(", ", ReservedTables)}.");
        }

        var extra = ReadExtra(stream, key, ExtraProperties.Reject, failures);

        var declared = stream.GetSection("Fields").GetChildren().ToArray();
        if (declared.Length == 0)
        {
            failures.Add($"{key}:Fields declares no field; a stream has at least one beside id and ts (Fields:<name>:Type).");
        }

        var fields = new List<StreamField> { EventFields.Id, EventFields.Ts(options) };
        foreach (var field in declared.OrderBy(field => field.Key, StringComparer.Ordinal))
        {
            if (ReadField(field, $"{key}:Fields:{field.Key}", failures) is { } read)
            {
                fields.Add(read);
            }
        }

        var rollups = ReadRollups(stream, key, table, fields, failures);
        var indexes = ReadIndexes(stream, key, fields, failures);
        var drain = ReadDrain(stream, key, options, failures);
        var sinks = StreamSinks.Read(stream, key, failures);
        var retention = ReadRetention(stream, key, failures);
        return failures.Count > before
            ? null
            : new StreamSchema(name, stream["Description"] ?? "", fields, extra, rollups, indexes, stagingKey, shards, table, drain, sinks, retention);
    }

    /// <summary>What becomes of the properties a schema does not name: <c>Extra</c>, or the stream's default.</summary>
    private static ExtraProperties ReadExtra(IConfigurationSection stream, string key, ExtraProperties fallback, List<string> failures)
    {
        switch (stream["Extra"])
        {
            case null:
                return fallback;
            case "Reject":
                return ExtraProperties.Reject;
            case "Keep":
                return ExtraProperties.Keep;
            case var given:
                var byDefault = fallback == ExtraProperties.Reject ? ", the default" : "";
                failures.Add($"{key}:Extra must be Reject (a property the schema does not name is refused{byDefault}) or Keep (kept as JSON in the table's extra column); it is '{given}'.");
                return fallback;
        }
    }

    /// <summary><c>Retention</c>: an ISO 8601 duration of whole days, the unit the store's partitions are dropped in; null when not set.</summary>
    private static string? ReadRetention(IConfigurationSection stream, string key, List<string> failures)
    {
        if (stream["Retention"] is not { } text)
        {
            return null;
        }

        if (Days().Match(text) is { Success: true } days
            && int.TryParse(days.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count is >= 1 and <= MaxRetentionDays)
        {
            return text;
        }

        failures.Add(string.Create(CultureInfo.InvariantCulture,
            $"{key}:Retention must be an ISO 8601 duration in days, P1D to P{MaxRetentionDays}D (P30D): the store drops its events a UTC day at a time; it is '{text}'."));
        return null;
    }

    private static List<StreamRollup> ReadRollups(IConfigurationSection stream, string key, string table, List<StreamField> fields, List<string> failures) =>
        [.. stream.GetSection("Rollups").GetChildren()
            .Select(rollup => ReadRollup(rollup, $"{key}:Rollups:{rollup.Key}", table, fields, failures))
            .OfType<StreamRollup>()];

    private static List<StreamIndex> ReadIndexes(IConfigurationSection stream, string key, List<StreamField> fields, List<string> failures) =>
        [.. stream.GetSection("Indexes").GetChildren()
            .Select(index => ReadIndex(index, $"{key}:Indexes:{index.Key}", fields, failures))
            .OfType<StreamIndex>()];

    /// <summary>A stream's own drain settings, each as the <c>Clicks</c> section's setting of that name allows it, or the shared one.</summary>
    private static StreamDrainSettings ReadDrain(IConfigurationSection stream, string key, ClickOptions options, List<string> failures)
    {
        var shared = StreamDrainSettings.Of(options);
        var flushSize = Number(stream, "FlushSize", key, 0, long.MaxValue, shared.FlushSize, failures);
        if (options.MaxBacklog > 0 && flushSize > 0 && flushSize >= options.MaxBacklog)
        {
            failures.Add($"{key}:FlushSize ({flushSize}) must be below Clicks:MaxBacklog ({options.MaxBacklog}), or 0: a shard would refuse pushes before it drained by size.");
        }

        var period = shared.DrainPeriod;
        if (stream["DrainPeriod"] is { } periodText
            && (!TimeSpan.TryParse(periodText, CultureInfo.InvariantCulture, out period) || period < TimeSpan.FromSeconds(1) || period > TimeSpan.FromDays(1)))
        {
            failures.Add($"{key}:DrainPeriod must be a time span from 00:00:01 to 1.00:00:00; it is '{periodText}'.");
        }

        // A period of its own drains the stream by that period, whatever schedule the shared section has.
        var schedule = stream["DrainSchedule"] ?? (stream["DrainPeriod"] is null ? shared.DrainSchedule : null);
        if (stream["DrainSchedule"] is { } expression && !CronSchedule.TryParse(expression, options.DrainScheduleTimeZone, out _, out var error))
        {
            failures.Add($"{key}:DrainSchedule (in Clicks:DrainScheduleTimeZone): {error}");
        }

        return new StreamDrainSettings(
            flushSize,
            period,
            schedule,
            (int)Number(stream, "ChunkSize", key, 1, 1_000_000, shared.ChunkSize, failures),
            (int)Number(stream, "Partitions", key, 1, 1024, shared.Partitions, failures));
    }

    private static long Number(IConfigurationSection section, string setting, string key, long min, long max, long fallback, List<string> failures)
    {
        if (section[setting] is not { } text)
        {
            return fallback;
        }

        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number >= min && number <= max)
        {
            return number;
        }

        failures.Add(string.Create(CultureInfo.InvariantCulture, $"{key}:{setting} must be a whole number from {min} to {max}; it is '{text}'."));
        return fallback;
    }

    private static StreamIndex? ReadIndex(IConfigurationSection index, string key, List<StreamField> fields, List<string> failures)
    {
        var before = failures.Count;
        if (!Identifier().IsMatch(index.Key) || index.Key == "ts")
        {
            failures.Add($"{key}: an index's name must be 1 to 48 characters of a-z, 0-9 and _, starting with a letter, and not ts (it names the index in the sink).");
        }

        foreach (var setting in index.GetChildren().Select(child => child.Key).Where(setting => setting is not ("Fields" or "Kind")))
        {
            failures.Add($"{key}:{setting} is not a setting of an index; it has Fields and Kind.");
        }

        var kind = IndexKind.BTree;
        switch (index["Kind"])
        {
            case null or "btree":
                break;
            case "hash":
                kind = IndexKind.Hash;
                break;
            case "brin":
                kind = IndexKind.Brin;
                break;
            case var given:
                failures.Add($"{key}:Kind must be btree (the default), hash or brin; it is '{given}'.");
                break;
        }

        var names = List(index, "Fields");
        if (names.Length is 0 or > MaxIndexFields)
        {
            failures.Add($"{key}:Fields must name 1 to {MaxIndexFields} fields; the index orders by them, then by ts.");
        }

        foreach (var name in names)
        {
            if (fields.Find(field => field.Name == name) is not { } field || name is "id" or "ts")
            {
                failures.Add($"{key}:Fields: '{name}' is not a declared field of the stream (ts is the index's last column already).");
            }
            else if (field.Type is not (FieldType.String or FieldType.Int64 or FieldType.Bool or FieldType.Uuid))
            {
                failures.Add($"{key}:Fields: '{name}' is {field.TypeName}; an index serves queries for equal values of string, int64, bool and uuid fields.");
            }
        }

        foreach (var twice in names.GroupBy(name => name).Where(group => group.Count() > 1))
        {
            failures.Add($"{key}:Fields names '{twice.Key}' twice.");
        }

        if (kind == IndexKind.Hash && names.Length > 1)
        {
            failures.Add($"{key}:Kind hash indexes one field; it names {names.Length} (a B-tree serves several).");
        }

        return failures.Count > before ? null : new StreamIndex(index.Key, [.. names, "ts"], kind);
    }

    private static StreamRollup? ReadRollup(IConfigurationSection rollup, string key, string streamTable, List<StreamField> fields, List<string> failures)
    {
        var before = failures.Count;
        if (!Identifier().IsMatch(rollup.Key))
        {
            failures.Add($"{key}: a rollup's name must be 1 to 48 characters of a-z, 0-9 and _, starting with a letter (it names its table and its URL).");
        }

        foreach (var setting in rollup.GetChildren().Select(child => child.Key).Where(setting => !RollupSettings.Contains(setting, StringComparer.Ordinal)))
        {
            failures.Add($"{key}:{setting} is not a setting of a rollup; they are {string.Join(", ", RollupSettings)}.");
        }

        var bucket = rollup["Bucket"];
        if (!IsBucket(bucket))
        {
            failures.Add($"{key}:Bucket must be an ISO 8601 duration of whole minutes from PT1M to P1D that divides a day (PT1M, PT5M, PT1H, P1D){(bucket is null ? "" : $"; it is '{bucket}'")}.");
        }

        var by = List(rollup, "By");
        if (by.Length > MaxDimensions)
        {
            failures.Add($"{key}:By names {by.Length} fields; a rollup groups by at most {MaxDimensions}.");
        }

        foreach (var dimension in by)
        {
            if (fields.Find(field => field.Name == dimension) is not { } field)
            {
                failures.Add($"{key}:By: '{dimension}' is not a declared field of the stream.");
            }
            else if (field.Type is not (FieldType.String or FieldType.Int64 or FieldType.Bool) || !field.Required)
            {
                failures.Add($"{key}:By: '{dimension}' must be a required string, int64 or bool field: every event needs a value to be counted under.");
            }
            else if (dimension is "bucket" or "count" || dimension.StartsWith("sum_", StringComparison.Ordinal))
            {
                failures.Add($"{key}:By: '{dimension}' would take the name of one of the rollup's own columns (bucket, count, sum_<field>).");
            }
        }

        var sums = List(rollup, "Sum");
        foreach (var summed in sums)
        {
            if (fields.Find(field => field.Name == summed) is not { Type: FieldType.Int64 or FieldType.Float64 })
            {
                failures.Add($"{key}:Sum: '{summed}' must be a declared int64 or float64 field.");
            }
        }

        var distinct = List(rollup, "CountDistinct");
        foreach (var counted in distinct)
        {
            if (fields.Find(field => field.Name == counted) is not { Type: FieldType.String or FieldType.Int64 or FieldType.Uuid } || counted is "id" or "ts")
            {
                failures.Add($"{key}:CountDistinct: '{counted}' must be a declared string, int64 or uuid field.");
            }
        }

        if (distinct.Length > 0 && by.FirstOrDefault(dimension => dimension is "field" or "value") is { } taken)
        {
            failures.Add($"{key}:By: '{taken}' would take the name of a column of the rollup's distinct values (bucket, field, value).");
        }

        foreach (var (list, names) in new[] { ("By", by), ("Sum", sums), ("CountDistinct", distinct) })
        {
            foreach (var twice in names.GroupBy(name => name).Where(group => group.Count() > 1))
            {
                failures.Add($"{key}:{list} names '{twice.Key}' twice.");
            }
        }

        var table = rollup["Table"] ?? $"{streamTable}_{rollup.Key}";
        if (!Identifier().IsMatch(table) || ReservedTables.Contains(table, StringComparer.Ordinal))
        {
            failures.Add($"{key}:Table{(rollup["Table"] is null ? $" (by default '{table}')" : "")} must be 1 to 48 characters of a-z, 0-9 and _, starting with a letter, and not one of {string.Join(", ", ReservedTables)}.");
        }

        return failures.Count > before ? null : new StreamRollup(rollup.Key, bucket!, by, sums, table, distinct);
    }

    private static bool IsBucket(string? text)
    {
        if (text is null || !text.StartsWith('P'))
        {
            return false;
        }

        try
        {
            var length = XmlConvert.ToTimeSpan(text);
            return length >= TimeSpan.FromMinutes(1) && length <= TimeSpan.FromDays(1)
                && length.Ticks % TimeSpan.TicksPerMinute == 0 && TimeSpan.TicksPerDay % length.Ticks == 0;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>A list setting, as <c>By:0</c>, <c>By:1</c> … (a JSON array), or one value.</summary>
    private static string[] List(IConfigurationSection section, string name)
    {
        var list = section.GetSection(name);
        string[] items = [.. list.GetChildren().Select(item => item.Value ?? "")];
        return items.Length > 0 ? items : list.Value is { Length: > 0 } single ? [single] : [];
    }

    private static StreamField? ReadField(IConfigurationSection field, string key, List<string> failures)
    {
        var before = failures.Count;
        if (!Identifier().IsMatch(field.Key) || Reserved.Contains(field.Key, StringComparer.Ordinal))
        {
            failures.Add($"{key}: a field's name must be 1 to 48 characters of a-z, 0-9 and _, starting with a letter, and not one of {string.Join(", ", Reserved)} (every stream has id and ts).");
        }

        foreach (var setting in field.GetChildren().Select(child => child.Key).Where(setting => !FieldSettings.Contains(setting, StringComparer.Ordinal)))
        {
            failures.Add($"{key}:{setting} is not a setting of a field; they are {string.Join(", ", FieldSettings)}.");
        }

        if (field["Type"] is not { } typeName || !Types.TryGetValue(typeName, out var type))
        {
            failures.Add($"{key}:Type must be one of {string.Join(", ", Types.Keys)}{(field["Type"] is { } given ? $"; it is '{given}'" : "")}.");
            return null;
        }

        var required = false;
        if (field["Required"] is { } requiredText && !bool.TryParse(requiredText, out required))
        {
            failures.Add($"{key}:Required must be true or false.");
        }

        var min = Bound(field, "Min", key, type, failures);
        var max = Bound(field, "Max", key, type, failures);
        if (min > max)
        {
            failures.Add($"{key}:Min ({min}) is above {key}:Max ({max}).");
        }

        int? maxLength = null;
        if (field["MaxLength"] is { } lengthText)
        {
            if (type != FieldType.String)
            {
                failures.Add($"{key}:MaxLength is for string fields; this one is {typeName}.");
            }
            else if (!int.TryParse(lengthText, NumberStyles.None, CultureInfo.InvariantCulture, out var length) || length is < 1 or > MaxMaxLength)
            {
                failures.Add($"{key}:MaxLength must be from 1 to {MaxMaxLength}.");
            }
            else
            {
                maxLength = length;
            }
        }
        else if (type == FieldType.String)
        {
            maxLength = DefaultMaxLength;
        }

        int? precision = null, scale = null;
        if (type == FieldType.Decimal)
        {
            precision = Digits(field, "Precision", key, 1, MaxPrecision, failures);
            scale = Digits(field, "Scale", key, 0, precision ?? MaxPrecision, failures);
        }
        else if (field["Precision"] is not null || field["Scale"] is not null)
        {
            failures.Add($"{key}:Precision and {key}:Scale are for decimal fields; this one is {typeName}.");
        }

        return failures.Count > before ? null : new StreamField(field.Key, type, required, min, max, maxLength, field["Description"] ?? "", precision, scale);
    }

    /// <summary>A decimal's Precision or Scale: required, so that what an amount holds is said where it is declared.</summary>
    private static int? Digits(IConfigurationSection field, string setting, string key, int min, int max, List<string> failures)
    {
        if (field[setting] is { } text && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var digits) && digits >= min && digits <= max)
        {
            return digits;
        }

        failures.Add($"{key}:{setting} must be from {min} to {max} (a decimal needs Precision and Scale, e.g. 12 and 2){(field[setting] is { } given ? $"; it is '{given}'" : "")}.");
        return null;
    }

    private static decimal? Bound(IConfigurationSection field, string bound, string key, FieldType type, List<string> failures)
    {
        if (field[bound] is not { } text)
        {
            return null;
        }

        if (type is not (FieldType.Int64 or FieldType.Float64 or FieldType.Decimal))
        {
            failures.Add($"{key}:{bound} is for int64, float64 and decimal fields.");
            return null;
        }

        if (!decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            || (type == FieldType.Int64 && (value != decimal.Truncate(value) || value < long.MinValue || value > long.MaxValue)))
        {
            failures.Add($"{key}:{bound} must be a number{(type == FieldType.Int64 ? " that is a 64-bit integer" : "")}; it is '{text}'.");
            return null;
        }

        return value;
    }

    [GeneratedRegex("^P([0-9]{1,6})D$")]
    private static partial Regex Days();

    [GeneratedRegex("^[a-z][a-z0-9_]{0,47}$")]
    private static partial Regex Identifier();
}
