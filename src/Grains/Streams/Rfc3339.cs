using System.Globalization;

namespace ClickOrleans.Streams;

/// <summary>
/// Times as RFC 3339 demands them: a date, a time and an offset (<c>Z</c> or <c>±hh:mm</c>). A time without an
/// offset is refused rather than read in the host's own time zone.
/// </summary>
public static class Rfc3339
{
    public const string Rule = "an RFC 3339 time with its offset (Z or ±hh:mm), e.g. 2026-12-01T07:00:00Z";

    private static readonly string[] Formats = ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK"];

    public static bool TryParse(string? text, out DateTimeOffset time)
    {
        time = default;
        return text is not null && HasOffset(text)
            && DateTimeOffset.TryParseExact(text.ToUpperInvariant(), Formats, CultureInfo.InvariantCulture, DateTimeStyles.None, out time);
    }

    private static bool HasOffset(string text) =>
        text.EndsWith('Z') || text.EndsWith('z')
        || (text.Length > 6 && text[^6] is '+' or '-' && char.IsAsciiDigit(text[^5]) && char.IsAsciiDigit(text[^4]) && text[^3] == ':');
}
