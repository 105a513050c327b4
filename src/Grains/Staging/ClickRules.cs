namespace ClickOrleans.Staging;

/// <summary>
/// What a valid click is, wherever it comes from: the Api checks requests against it and the drain checks elements
/// other producers pushed, so that every click a sink is given can be stored by every sink.
/// </summary>
public static class ClickRules
{
    public const int MaxIdLength = 64;

    /// <summary>The earliest click time: the Unix epoch. Earlier times are producer bugs (a negative or zero-based clock).</summary>
    public const long EarliestTimestampMs = 0;

    /// <summary>uid and pid: non-negative 64-bit integers, as PostgreSQL's <c>bigint</c> and SQLite's <c>INTEGER</c> store them.</summary>
    public static bool IsValidNumber(long value) => value >= 0;

    /// <summary>
    /// An event id: 1 to 64 characters of valid Unicode (no unpaired surrogate), no control characters. A character is
    /// a code point: an emoji outside the Basic Multilingual Plane counts once, though .NET holds it in two chars.
    /// </summary>
    public static bool IsValidId(ReadOnlySpan<char> id)
    {
        if (id.IsEmpty || id.Length > 2 * MaxIdLength)
        {
            return false;
        }

        var characters = 0;
        for (var i = 0; i < id.Length; i++, characters++)
        {
            var c = id[i];
            if (char.IsControl(c))
            {
                return false;
            }

            if (char.IsHighSurrogate(c) && i + 1 < id.Length && char.IsLowSurrogate(id[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return false;
            }
        }

        return characters <= MaxIdLength;
    }

    /// <summary>A click time from the Unix epoch up to <paramref name="latestMs"/>.</summary>
    public static bool IsValidTimestamp(long timestampMs, long latestMs) => timestampMs >= EarliestTimestampMs && timestampMs <= latestMs;

    public const string IdRule = "1 to 64 characters (Unicode code points) of valid Unicode without control characters";
}
