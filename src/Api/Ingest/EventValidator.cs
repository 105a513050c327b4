using System.Buffers;
using System.Text.Json;
using ClickOrleans.Staging;
using ClickOrleans.Streams;
using StackExchange.Redis;

namespace ClickOrleans.Api.Ingest;

/// <summary>
/// Turns a client's event into its staging element by its stream's <see cref="EventRules"/> (the drain's rules too),
/// or says precisely what is wrong with it; <c>ts</c> must lie within <c>Clicks:MaxClickAge</c> before and
/// <c>Clicks:MaxClockSkew</c> after the time of receipt. One per request: it reuses its row and buffer for a batch.
/// </summary>
internal sealed class EventValidator(EventRules rules, DateTimeOffset now, ClickOptions options)
{
    private readonly List<(string Property, string Error)> _errors = [];
    private readonly EventRows _row = rules.NewRows(1);
    private readonly ArrayBufferWriter<byte> _buffer = new(256);
    private Utf8JsonWriter? _writer;
    private readonly long _earliestMs = (now - options.MaxClickAge).ToUnixTimeMilliseconds();
    private readonly long _latestMs = (now + options.MaxClockSkew).ToUnixTimeMilliseconds();

    /// <param name="request">One event's JSON, checked as JSON already.</param>
    /// <param name="field">Prefix for error keys: empty for a single event, <c>[i].</c> for element i of a batch.</param>
    public bool TryValidate(ReadOnlySpan<byte> request, string field, IDictionary<string, string[]> errors, out EventToStage staged)
    {
        staged = default;
        rules.TryRead(request, staged: false, _row, _errors, out var read);
        if (read.TimestampMs is { } ms && (ms > _latestMs || ms < _earliestMs))
        {
            _errors.Add(("ts", $"must lie between {options.MaxClickAge} before and {options.MaxClockSkew} after the time of receipt (Clicks:MaxClickAge, Clicks:MaxClockSkew), and not before 1970"));
        }

        if (_errors.Count > 0)
        {
            Report(field, errors);
            return false;
        }

        var id = read.Id ?? ClickId.New();
        _buffer.ResetWrittenCount();
        var writer = _writer ??= new Utf8JsonWriter(_buffer);
        writer.Reset(_buffer);

        // The row being read is row 0: the validator never adds it, so the next event reads into it again.
        rules.Write(writer, id, read.TimestampMs ?? now.ToUnixTimeMilliseconds(), _row, 0);
        writer.Flush();

        // The drain dead-letters a larger element unread: refused here, so that a 202 always reaches the table.
        if (_buffer.WrittenCount > options.MaxElementBytes)
        {
            _errors.Add(("$", $"is {_buffer.WrittenCount} bytes as staged, more than Clicks:MaxElementBytes ({options.MaxElementBytes}) allows"));
            Report(field, errors);
            return false;
        }

        staged = new EventToStage(id, read.Id is not null, _buffer.WrittenSpan.ToArray());
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

/// <summary>An event ready to stage: its id, whether the client gave it, and its staging element.</summary>
internal readonly record struct EventToStage(string Id, bool IdFromClient, RedisValue Element);
