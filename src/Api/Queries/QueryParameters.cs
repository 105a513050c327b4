using System.Globalization;
using System.Xml;

namespace ClickOrleans.Api.Queries;

/// <summary>Parses and bounds query-string parameters, collecting a precise error per bad one.</summary>
internal sealed class QueryParameters(DateTimeOffset now)
{
    public Dictionary<string, string[]> Errors { get; } = [];

    public bool IsValid => Errors.Count == 0;

    /// <summary>An RFC 3339 time; UTC is assumed when it has no offset.</summary>
    public DateTimeOffset Time(string name, string? value, DateTimeOffset fallback)
    {
        if (value is null)
        {
            return fallback;
        }

        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            return time.ToUniversalTime();
        }

        Errors[name] = ["must be an RFC 3339 time, e.g. 2026-11-27T10:00:00Z"];
        return fallback;
    }

    /// <summary>An ISO 8601 duration back from now (PT1H, P7D), or an RFC 3339 time.</summary>
    public DateTimeOffset Since(string name, string? value, TimeSpan fallback)
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
                if (duration > TimeSpan.Zero)
                {
                    return now - duration;
                }
            }
            catch (FormatException)
            {
                // Reported below with the accepted forms.
            }

            Errors[name] = ["must be a positive ISO 8601 duration (PT1H, P7D) or an RFC 3339 time"];
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

    public void Range(DateTimeOffset from, DateTimeOffset to, TimeSpan max)
    {
        if (from >= to)
        {
            Errors["from"] = ["must be before to"];
        }
        else if (to - from > max)
        {
            Errors["to"] = [$"the range from..to spans at most {max.TotalDays:0} days"];
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
