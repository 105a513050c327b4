using System.Globalization;
using System.Text.Json;

namespace ClickOrleans.Client;

/// <summary>
/// What a <c>400</c> to a batch says about its clicks: the Api names each invalid one as <c>[index].field</c> in its
/// problem details' <c>errors</c>, and stages nothing of the batch.
/// </summary>
internal sealed record BatchRefusal(string Detail, IReadOnlyDictionary<int, string[]> InvalidFields)
{
    public static BatchRefusal Parse(string problem)
    {
        var fields = new Dictionary<int, string[]>();
        var detail = problem;
        try
        {
            using var document = JsonDocument.Parse(problem);
            var root = document.RootElement;
            detail = root.TryGetProperty("detail", out var text) ? text.GetString() ?? problem : problem;
            if (root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
            {
                foreach (var error in errors.EnumerateObject())
                {
                    if (TryIndex(error.Name, out var index, out var field))
                    {
                        fields[index] = [.. fields.GetValueOrDefault(index, []), field];
                    }
                }
            }
        }
        catch (JsonException)
        {
            // Not problem details: the whole batch is refused for the text given.
        }

        return new BatchRefusal(detail, fields);
    }

    // "[12].ts" → 12, "ts"
    private static bool TryIndex(string name, out int index, out string field)
    {
        index = 0;
        field = "";
        var close = name.IndexOf(']', StringComparison.Ordinal);
        if (!name.StartsWith('[') || close < 2 || !int.TryParse(name.AsSpan(1, close - 1), NumberStyles.None, CultureInfo.InvariantCulture, out index))
        {
            return false;
        }

        field = name[(close + 1)..].TrimStart('.');
        return true;
    }
}
