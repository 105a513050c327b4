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
        rules.Read(request, staged: false, out var id, out var ts, values, _errors);
        if (ts is { } ms && (ms > (now + options.MaxClockSkew).ToUnixTimeMilliseconds() || ms < (now - options.MaxClickAge).ToUnixTimeMilliseconds()))
        {
            _errors.Add(("ts", $"must lie between {options.MaxClickAge} before and {options.MaxClockSkew} after the time of receipt (Clicks:MaxClickAge, Clicks:MaxClockSkew), and not before 1970"));
        }

        foreach (var (property, error) in _errors)
        {
            errors.TryAdd(property == "$" ? (field.Length == 0 ? "$" : field.TrimEnd('.')) : field + property, [error]);
        }

        if (_errors.Count > 0)
        {
            return false;
        }

        var eventId = id ?? ClickId.New();
        var buffer = new ArrayBufferWriter<byte>(64 + (16 * values.Length));
        using (var writer = new Utf8JsonWriter(buffer))
        {
            rules.Write(writer, eventId, ts ?? now.ToUnixTimeMilliseconds(), values);
        }

        staged = new EventToStage(eventId, id is not null, buffer.WrittenMemory.ToArray());
        return true;
    }
}

/// <summary>A declared stream's event ready to stage: its id, whether the client gave it, and its staging element.</summary>
internal readonly record struct EventToStage(string Id, bool IdFromClient, RedisValue Element);
