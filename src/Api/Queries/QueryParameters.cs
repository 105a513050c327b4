using System.Globalization;
using System.Xml;
using ClickOrleans.Streams;
using Microsoft.Extensions.Primitives;

namespace ClickOrleans.Api.Queries;

/// <summary>Parses and bounds query-string parameters, collecting a precise error per bad one.</summary>
internal sealed class QueryParameters(DateTimeOffset now)
{
    /// <summary>The earliest time a query may name: clicks carry Unix milliseconds.</summary>
    public static readonly DateTimeOffset Earliest = DateTimeOffset.UnixEpoch;

    /// <summary>The latest time a query may name.</summary>
    public static readonly DateTimeOffset Latest = new(9999, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public Dictionary<string, string[]> Errors { get; } = [];

    public bool IsValid => Errors.Count == 0;

    /// <summary>An RFC 3339 time from <see cref="Earliest"/> to <see cref="Latest"/>; UTC is assumed when it has no offset.</summary>
    public DateTimeOffset Time(string name, string? value, DateTimeOffset fallback)
    {
        if (value is null)
        {
            return fallback;
        }

        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            if (time >= Earliest && time <= Latest)
            {
                return time.ToUniversalTime();
            }

            Errors[name] = [$"must lie from {Earliest:yyyy-MM-ddTHH:mm:ssZ} to {Latest:yyyy-MM-ddTHH:mm:ssZ}"];
            return fallback;
        }

        Errors[name] = ["must be an RFC 3339 time, e.g. 2026-11-27T10:00:00Z"];
        return fallback;
    }

    /// <summary>An ISO 8601 duration back from now (PT1H, P7D) of at most <paramref name="max"/>, or an RFC 3339 time.</summary>
    public DateTimeOffset Since(string name, string? value, TimeSpan fallback, TimeSpan max)
    {
        if (value is null)
        {
            return now - fallback;
        }

        if (value.StartsWith('P'))
        {
            try
            {
                var duration = XmlConvert.ToTimeSpan(value);
                if (duration > TimeSpan.Zero && duration <= max)
                {
                    return now - duration;
                }
            }
            catch (Exception e) when (e is FormatException or OverflowException)
            {
                // Reported below with the accepted forms.
            }

            Errors[name] = [$"must be a positive ISO 8601 duration of at most {max.TotalDays:0} days (PT1H, P7D) or an RFC 3339 time"];
            return now - fallback;
        }

        return Time(name, value, now - fallback);
    }

    public int Limit(string name, int? value, int fallback, int max)
    {
        if (value is null)
        {
            return fallback;
        }

        if (value is < 1 || value > max)
        {
            Errors[name] = [$"must be from 1 to {max}"];
            return fallback;
        }

        return value.Value;
    }

    /// <summary>The range [<paramref name="from"/>, <paramref name="to"/>) is not empty and spans at most <paramref name="max"/>.</summary>
    public void Range(string fromName, DateTimeOffset from, string toName, DateTimeOffset to, TimeSpan max)
    {
        if (from >= to)
        {
            Errors[fromName] = [$"must be before {toName}"];
        }
        else if (to - from > max)
        {
            Errors[toName] = [$"the range {fromName}..{toName} spans at most {max.TotalDays:0} days"];
        }
    }

    /// <summary>
    /// <paramref name="from"/> lies within what the store keeps of the stream's raw events: not before
    /// <see cref="StreamSchema.KeptSince"/>, for a stream with a <c>Retention</c>.
    /// </summary>
    public void Retained(string fromName, DateTimeOffset from, StreamSchema stream)
    {
        if (stream.KeptSince(now) is { } since && from < since)
        {
            string[] keeping = [.. stream.Rollups.Count > 0 ? ["its rollups"] : Array.Empty<string>(), .. stream.Archived ? ["its Parquet archive"] : Array.Empty<string>()];
            Errors[fromName] = [RetentionRule(stream, since) + (keeping.Length > 0 ? $"; {string.Join(" and ", keeping)} keep them" : "")];
        }
    }

    /// <summary>What a stream's retention drops, as of <paramref name="since"/> (its <see cref="StreamSchema.KeptSince"/>).</summary>
    public static string RetentionRule(StreamSchema stream, DateTimeOffset since) => string.Create(CultureInfo.InvariantCulture,
        $"lies before what the store keeps of stream {stream.Name}: it keeps {stream.Retention} (Streams:{stream.Name}:Retention), so its events before {since:yyyy-MM-ddTHH:mm:ssZ} are dropped");

    /// <summary>A query parameter that keeps one value of a rollup's dimension.</summary>
    public void Dimension(string name, StringValues values, StreamSchema stream, StreamRollup rollup, List<DimensionValue> filters) =>
        FieldValue(name, values, stream, rollup.By,
            $"is not a dimension of rollup {rollup.Name}; its dimensions are {(rollup.By.Count == 0 ? "none" : string.Join(", ", rollup.By))} (and from, to)", filters);

    /// <summary>A query parameter that keeps one value of a field of one of the stream's indexes.</summary>
    public void IndexedField(string name, StringValues values, StreamSchema stream, List<DimensionValue> filters) =>
        FieldValue(name, values, stream, [.. stream.Indexes.SelectMany(index => index.Keys)],
            $"is not a field of an index of stream {stream.Name}; {Indexes(stream)}", filters);

    /// <summary>What a stream's indexes serve, for the messages that refuse a query.</summary>
    public static string Indexes(StreamSchema stream) => stream.Indexes.Count == 0
        ? "it declares no index (Streams:<stream>:Indexes): only from, to and limit apply"
        : "its indexes are " + string.Join(", ", stream.Indexes.Select(index => $"{index.Name} ({string.Join(", ", index.Keys)})")) + ", beside from, to and limit";

    private void FieldValue(string name, StringValues values, StreamSchema stream, IReadOnlyCollection<string> allowed, string notAllowed, List<DimensionValue> filters)
    {
        if (!allowed.Contains(name, StringComparer.Ordinal))
        {
            Errors[name] = [notAllowed];
        }
        else if (values is not [{ } value])
        {
            Errors[name] = ["must be given once"];
        }
        else if (stream.Fields.First(field => field.Name == name) is var field && DimensionValues.Parse(field, value) is null)
        {
            Errors[name] = [$"must be {DimensionValues.Rule(field)}"];
        }
        else
        {
            filters.Add(new DimensionValue(name, value));
        }
    }

    /// <summary>A sink of the stream, when given: one it lists (<c>Streams:&lt;stream&gt;:Sinks</c>), or the store for one that lists none.</summary>
    public void Sink(string name, string? value, StreamSchema stream)
    {
        var sinks = stream.Sinks ?? [StreamSinks.Postgres, StreamSinks.Sqlite];
        if (value is not null && !sinks.Contains(value, StringComparer.Ordinal))
        {
            Errors[name] = [stream.Sinks is null
                ? $"must name the store (postgres or sqlite): stream {stream.Name} has no other sink"
                : $"must name a sink of stream {stream.Name}: {string.Join(", ", sinks)} (Streams:{stream.Name}:Sinks)"];
        }
    }

    public void NonNegative(string name, long value)
    {
        if (value < 0)
        {
            Errors[name] = ["must be 0 or greater"];
        }
    }
}
