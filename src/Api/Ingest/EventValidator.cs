using System.Buffers;
using System.Text.Json;
using ClickOrleans.Staging;
using ClickOrleans.Streams;
using StackExchange.Redis;

namespace ClickOrleans.Api.Ingest;

/// <summary>
/// Turns a client's event of a declared stream into its staging element (<see cref="EventRules"/>, the drain's rules
/// too), or says precisely what is wrong with it; <c>id</c> and <c>ts</c> follow the clicks' rules.
/// </summary>
internal sealed class EventValidator(EventRules rules, DateTimeOffset now, ClickOptions options)
{
    private readonly List<(string Property, string Error)> _errors = [];

    public bool TryValidate(JsonElement request, string field, IDictionary<string, string[]> errors, out EventToStage staged)
    {
        staged = default;
        _errors.Clear();
        var values = new object?[rules.Declared.Count];
        rules.Read(request, staged: false, out var id, out var ts, values, out var extra, _errors);
        if (ts is { } ms && (ms > (now + options.MaxClockSkew).ToUnixTimeMilliseconds() || ms < (now - options.MaxClickAge).ToUnixTimeMilliseconds()))
        {
            _errors.Add(("ts", $"must lie between {options.MaxClickAge} before and {options.MaxClockSkew} after the time of receipt (Clicks:MaxClickAge, Clicks:MaxClockSkew), and not before 1970"));
        }

        if (_errors.Count > 0)
        {
            Report(field, errors);
            return false;
        }

        var eventId = id ?? ClickId.New();
        var buffer = new ArrayBufferWriter<byte>(64 + (16 * values.Length));
        using (var writer = new Utf8JsonWriter(buffer))
        {
            rules.Write(writer, eventId, ts ?? now.ToUnixTimeMilliseconds(), values, extra);
        }

        // The drain dead-letters a larger element unread: refused here, so that a 202 always reaches the table.
        if (buffer.WrittenCount > options.MaxElementBytes)
        {
            _errors.Add(("$", $"is {buffer.WrittenCount} bytes as staged, more than Clicks:MaxElementBytes ({options.MaxElementBytes}) allows"));
            Report(field, errors);
            return false;
        }

        staged = new EventToStage(eventId, id is not null, buffer.WrittenMemory.ToArray());
        return true;
    }

    private void Report(string field, IDictionary<string, string[]> errors)
    {
        foreach (var (property, error) in _errors)
        {
            errors.TryAdd(property == "$" ? (field.Length == 0 ? "$" : field.TrimEnd('.')) : field + property, [error]);
        }
    }
}

/// <summary>A declared stream's event ready to stage: its id, whether the client gave it, and its staging element.</summary>
internal readonly record struct EventToStage(string Id, bool IdFromClient, RedisValue Element);
