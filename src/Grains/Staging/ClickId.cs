namespace ClickOrleans.Staging;

/// <summary>The rules a click's event id obeys, wherever it comes from.</summary>
public static class ClickId
{
    public const int MaxLength = 64;

    public static bool IsValid(ReadOnlySpan<char> id)
    {
        if (id.IsEmpty || id.Length > MaxLength)
        {
            return false;
        }

        foreach (var c in id)
        {
            if (char.IsControl(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A new, time-ordered unique id for a click the client sent without one.</summary>
    public static string New() => Guid.CreateVersion7().ToString("N");

    /// <summary>
    /// The id of an element pushed without one (the original producers' format): derived from where it sits,
    /// so a replay of the same private list gives the same ids and the sink deduplicates them.
    /// </summary>
    public static string FromPosition(string privateList, long position) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{privateList}:{position}");
}
