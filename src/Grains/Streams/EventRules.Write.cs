using System.Text.Json;

namespace ClickOrleans.Streams;

public sealed partial class EventRules
{
    /// <summary>
    /// Writes a row as the staging list holds it: compact JSON, id and ts first, then the declared fields present, then
    /// the kept properties, as a producer pushes them.
    /// </summary>
    public void Write(Utf8JsonWriter writer, string id, long timestampMs, EventRows rows, int row)
    {
        writer.WriteStartObject();
        writer.WriteString(_jsonNames[IdSlot], id);
        writer.WriteNumber(_jsonNames[TsSlot], timestampMs);
        for (var i = 0; i < _declared.Length; i++)
        {
            if (!rows.Has(row, i))
            {
                continue;
            }

            var name = _jsonNames[i + FirstDeclared];
            var slot = _slots[i];
            switch (_declared[i].Type)
            {
                case FieldType.Int64 or FieldType.Timestamp:
                    writer.WriteNumber(name, rows.LongAt(row, slot));
                    break;
                case FieldType.Bool:
                    writer.WriteBoolean(name, rows.LongAt(row, slot) != 0);
                    break;
                case FieldType.Float64:
                    writer.WriteNumber(name, rows.DoubleAt(row, slot));
                    break;
                case FieldType.Decimal:
                    writer.WriteNumber(name, rows.DecimalAt(row, slot));
                    break;
                case FieldType.Uuid:
                    writer.WriteString(name, rows.UuidAt(row, slot));
                    break;
                default:
                    writer.WriteString(name, rows.StringAt(row, slot));
                    break;
            }
        }

        if (Shape.KeepsExtra && rows.Extra[row] is { } extra)
        {
            using var kept = JsonDocument.Parse(extra);
            foreach (var property in kept.RootElement.EnumerateObject())
            {
                property.WriteTo(writer);
            }
        }

        writer.WriteEndObject();
    }
}
