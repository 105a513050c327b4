using System.Diagnostics.CodeAnalysis;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;

namespace ClickOrleans.Client;

/// <summary>
/// The ClickOrleans Api for .NET callers. <see cref="TrackAsync"/> is the pattern on the client side: clicks are
/// buffered and sent as one <c>POST /clicks/batch</c> when <see cref="ClickClientOptions.BatchSize"/> are waiting or
/// <see cref="ClickClientOptions.FlushInterval"/> after the first, every click with an id of its own, so that a batch
/// sent again after a failure (a 503 while Redis fails over, a timeout) is stored once. Disposing sends what is left.
/// Nothing is lost in silence: <see cref="FlushAsync"/> throws <see cref="ClicksNotAcceptedException"/> naming how many
/// clicks tracked since the previous flush were dropped and why.
/// </summary>
/// <remarks>
/// Register it with <c>AddClickOrleansClient</c>: it sends through <see cref="IHttpClientFactory"/>, whose pipeline
/// retries 429, 502–504 and network failures with exponential backoff and jitter, honouring <c>Retry-After</c>, and
/// other 5xx a few times. A batch refused for some of its clicks (400 naming them) is sent again without them; clicks
/// stamped by the client are stamped by its clock corrected by the Api's <c>Date</c> header, and stamped again once
/// when the Api refuses their <c>ts</c>, so a client clock minutes off loses nothing. A 401 or 403 stops the client.
/// Batches that fail for good (<see cref="BatchAnswer.Permanent"/>) open a circuit (<see cref="BatchCircuit"/>): for
/// <see cref="ClickClientOptions.CircuitBreakDuration"/> batches are dropped unsent, so a broken Api neither takes
/// retries from every batch nor makes <see cref="TrackAsync"/> wait.
/// </remarks>
public sealed partial class ClickClient : IAsyncDisposable
{
    internal const string HttpClientName = "ClickOrleans";

    private readonly IHttpClientFactory _http;
    private readonly HttpClient _sender;
    private readonly ClickClientOptions _options;
    private readonly ClickClientTelemetry _telemetry;
    private readonly TimeProvider _time;
    private readonly ILogger<ClickClient> _logger;
    private readonly Channel<Tracked> _buffer;
    private readonly CancellationTokenSource _giveUp = new();
    private readonly Task _sending;
    private readonly List<string> _dropReasons = [];
    private long _droppedSinceFlush;
    private readonly ResiliencePipeline<BatchAnswer> _circuit;
    private long _clockOffsetTicks;
    private volatile string? _stopped;
    private string _circuitOpenedBy = "";

    internal ClickClient(
        IHttpClientFactory http, IOptions<ClickClientOptions> options, ClickClientTelemetry telemetry, TimeProvider time, ILogger<ClickClient> logger)
    {
        _http = http;
        _sender = http.CreateClient(HttpClientName); // made once: a container that disposes this client can make no more
        _options = options.Value;
        _telemetry = telemetry;
        _time = time;
        _logger = logger;
        _circuit = BatchCircuit.Create(_options.CircuitBreakDuration, time, CircuitOpened, CircuitClosed);
        _buffer = Channel.CreateBounded<Tracked>(new BoundedChannelOptions(_options.MaxBuffered) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _sending = Task.Run(SendAsync);
    }

    /// <summary>Tracks a click; it is sent with the next batch. Waits only when <see cref="ClickClientOptions.MaxBuffered"/> wait already.</summary>
    /// <param name="at">When the click happened; by default now, by this machine's clock corrected by the Api's.</param>
    /// <returns>The click's id, as the query API will return it.</returns>
    /// <exception cref="ClickClientStoppedException">The Api refused the client's key.</exception>
    public ValueTask<string> TrackAsync(long uid, long pid, DateTimeOffset? at = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(uid);
        ArgumentOutOfRangeException.ThrowIfNegative(pid);
        return EnqueueAsync(ClicksStream, new JsonObject { ["uid"] = uid, ["pid"] = pid }, at, cancellationToken);
    }

    /// <summary>
    /// Tracks an event of a declared stream (<c>POST /streams/{stream}/events/batch</c>), batched, retried and
    /// reported as clicks are. Its properties are named in snake_case (<see cref="JsonNamingPolicy.SnakeCaseLower"/>:
    /// <c>PlacedAt</c> is <c>placed_at</c>), as a stream's fields are; <c>[JsonPropertyName]</c> names one otherwise.
    /// </summary>
    /// <param name="event">An object whose properties are the event's fields (a record, an anonymous object, a <see cref="JsonObject"/>); an <c>id</c> it has is kept as its client id.</param>
    /// <param name="at">When the event happened; by default now, by this machine's clock corrected by the Api's.</param>
    /// <returns>The event's id: its own <c>id</c>, or one the client gave it.</returns>
    /// <exception cref="ClickClientStoppedException">The Api refused the client's key.</exception>
    [RequiresUnreferencedCode("Serializes the event's type by reflection; pass a JsonObject to avoid it.")]
    [RequiresDynamicCode("Serializes the event's type by reflection; pass a JsonObject to avoid it.")]
    public ValueTask<string> TrackAsync<TEvent>(string stream, TEvent @event, DateTimeOffset? at = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(stream);
        var body = (@event is JsonObject given ? given.DeepClone() : JsonSerializer.SerializeToNode(@event, EventJson)) as JsonObject
            ?? throw new ArgumentException("An event must be a JSON object: an object with properties.", nameof(@event));
        return EnqueueAsync(stream, body, at, cancellationToken);
    }

    private async ValueTask<string> EnqueueAsync(string stream, JsonObject body, DateTimeOffset? at, CancellationToken cancellationToken)
    {
        ThrowIfStopped();
        var id = body["id"] switch
        {
            null => Guid.CreateVersion7().ToString("N"),
            JsonValue value when value.TryGetValue<string>(out var own) => own,
            _ => throw new ArgumentException("An event's id must be a string.", nameof(body)),
        };
        body["id"] = id;
        Tracked tracked;
        if (at is { } given)
        {
            body["ts"] = given;
            tracked = new Tracked(stream, body, null, null);
        }
        else if (body.ContainsKey("ts"))
        {
            tracked = new Tracked(stream, body, null, null);
        }
        else
        {
            var offset = ClockOffset;
            body["ts"] = _time.GetUtcNow() + offset;
            tracked = new Tracked(stream, body, offset, null);
        }

        await _buffer.Writer.WriteAsync(tracked, cancellationToken);
        _telemetry.Tracked();
        return id;
    }

    /// <summary>Sends everything tracked so far; completes once the Api accepted it.</summary>
    /// <exception cref="ClicksNotAcceptedException">Some clicks tracked since the previous flush were dropped; the others were accepted.</exception>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var flushed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await _buffer.Writer.WriteAsync(new Tracked("", null, null, flushed), cancellationToken);
        await flushed.Task.WaitAsync(cancellationToken);
    }

    /// <summary>A product's clicks per minute in [from, to) (the Api's default: the last hour).</summary>
    public Task<ProductClicks?> GetProductClicksAsync(long pid, DateTimeOffset? from = null, DateTimeOffset? to = null, CancellationToken cancellationToken = default) =>
        Client().GetFromJsonAsync($"/products/{pid}/clicks{Query(("from", from), ("to", to))}", ClientJson.Default.ProductClicks, cancellationToken);

    /// <summary>The most clicked products since <paramref name="since"/> (the Api's default: the last hour).</summary>
    public async Task<TopProduct[]> GetTopProductsAsync(DateTimeOffset? since = null, int? limit = null, CancellationToken cancellationToken = default) =>
        await Client().GetFromJsonAsync($"/products/top{Query(("since", since), ("limit", limit))}", ClientJson.Default.TopProductArray, cancellationToken) ?? [];

    /// <summary>A user's clicks, newest first.</summary>
    public async Task<UserClick[]> GetUserClicksAsync(
        long uid, DateTimeOffset? from = null, DateTimeOffset? to = null, int? limit = null, CancellationToken cancellationToken = default) =>
        await Client().GetFromJsonAsync($"/users/{uid}/clicks{Query(("from", from), ("to", to), ("limit", limit))}", ClientJson.Default.UserClickArray, cancellationToken) ?? [];

    /// <summary>How far a stream's accepted events are committed (the built-in stream's by default).</summary>
    public async Task<StreamWatermark> GetWatermarkAsync(string stream = "clicks", CancellationToken cancellationToken = default) =>
        await Client().GetFromJsonAsync($"/streams/{Uri.EscapeDataString(stream)}/watermark", ClientJson.Default.StreamWatermark, cancellationToken)
        ?? throw new InvalidOperationException("The Api answered the watermark with null.");

    /// <summary>
    /// Read-your-writes: sends everything tracked so far, then waits until every sink of the stream has committed it, that is
    /// until the watermark passes the moment the first look at it was read (after the Api accepted the events). The
    /// watermark moves with the drains, so this takes up to a drain period; bound it with <paramref name="cancellationToken"/>.
    /// </summary>
    /// <exception cref="ClicksNotAcceptedException">Some events tracked since the previous flush were dropped; nothing was waited for.</exception>
    public async Task WaitForCommitAsync(string stream = "clicks", CancellationToken cancellationToken = default)
    {
        await FlushAsync(cancellationToken);
        var accepted = (await GetWatermarkAsync(stream, cancellationToken)).AsOf;
        var wait = TimeSpan.FromMilliseconds(50);
        while ((await GetWatermarkAsync(stream, cancellationToken)).CommittedTo < accepted)
        {
            await Task.Delay(wait, _time, cancellationToken);
            wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, TimeSpan.FromSeconds(1).Ticks));
        }
    }

    /// <summary>Sends what is left (for up to <see cref="ClickClientOptions.DisposeTimeout"/>), then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _buffer.Writer.TryComplete();
        try
        {
            await _sending.WaitAsync(_options.DisposeTimeout, _time);
        }
        catch (TimeoutException)
        {
            await _giveUp.CancelAsync();
            await _sending;
        }
        _giveUp.Dispose();
        _sender.Dispose();
    }

    private HttpClient Client() => _http.CreateClient(HttpClientName);

    private TimeSpan ClockOffset => TimeSpan.FromTicks(Interlocked.Read(ref _clockOffsetTicks));

    private void ThrowIfStopped()
    {
        if (_stopped is { } reason)
        {
            throw new ClickClientStoppedException(reason);
        }
    }

    private async Task SendAsync()
    {
        var batch = new List<Tracked>(_options.BatchSize);
        var flushes = new List<TaskCompletionSource>();
        while (await _buffer.Reader.WaitToReadAsync())
        {
            var due = _time.GetUtcNow() + _options.FlushInterval;
            while (batch.Count < _options.BatchSize && flushes.Count == 0)
            {
                if (_buffer.Reader.TryRead(out var tracked))
                {
                    if (tracked.Flushed is { } flushed)
                    {
                        flushes.Add(flushed);
                    }
                    else
                    {
                        batch.Add(tracked);
                    }

                    continue;
                }

                var wait = due - _time.GetUtcNow();
                if (wait <= TimeSpan.Zero || await Task.WhenAny(_buffer.Reader.WaitToReadAsync().AsTask(), Task.Delay(wait, _time)) is Task<bool> { Result: false })
                {
                    break;
                }
            }

            // One POST per stream, in the order each stream's events were tracked.
            foreach (var stream in batch.GroupBy(tracked => tracked.Stream))
            {
                await SendBatchAsync(stream.Key, [.. stream]);
            }

            batch.Clear();

            if (flushes.Count > 0)
            {
                CompleteFlushes(flushes);
                flushes.Clear();
            }
        }
    }

    private void CompleteFlushes(List<TaskCompletionSource> flushes)
    {
        if (_droppedSinceFlush == 0)
        {
            flushes.ForEach(flushed => flushed.TrySetResult());
            return;
        }

        var dropped = new ClicksNotAcceptedException(_droppedSinceFlush, [.. _dropReasons]);
        flushes.ForEach(flushed => flushed.TrySetException(dropped));
        _droppedSinceFlush = 0;
        _dropReasons.Clear();
    }

    // The HTTP pipeline retries what may pass later (bounded by the dispose timeout): the batch's ids make every retry
    // safe. A 400 naming clicks is answered by sending the others again (and the client-stamped clicks whose ts was
    // refused, stamped again by the corrected clock); anything else the pipeline gave up on drops the batch, counted
    // and reported by the next flush, and counts towards opening the circuit; while it is open batches are dropped
    // unsent; a 401 or 403 stops the client.
    private async Task SendBatchAsync(string stream, List<Tracked> batch)
    {
        var started = _time.GetTimestamp();
        var pending = batch;
        var restamped = false;
        try
        {
            while (pending.Count > 0)
            {
                if (_stopped is { } stopped)
                {
                    Drop(pending.Count, "stopped", stopped);
                    return;
                }

                BatchAnswer answer;
                try
                {
                    answer = await _circuit.ExecuteAsync(static (state, token) => state.Client.PostAsync(state.Stream, state.Pending, token), (Client: this, Stream: stream, Pending: pending), _giveUp.Token);
                }
                catch (BrokenCircuitException)
                {
                    Drop(pending.Count, "circuit", $"the circuit is open: {_circuitOpenedBy}");
                    return;
                }

                if (answer.Accepted)
                {
                    _telemetry.Sent(pending.Count, _time.GetElapsedTime(started));
                    return;
                }

                if (answer.KeyRefused)
                {
                    _stopped = $"the Api answered {(int)answer.Status} to its key ({answer.Refusal!.Detail})";
                    LogStopped(_logger, (int)answer.Status);
                    Drop(pending.Count, "key", _stopped);
                    return;
                }

                if (answer.Permanent)
                {
                    Drop(pending.Count, (int)answer.Status >= 500 ? "failed" : "refused", answer.Reason);
                    return;
                }

                pending = WithoutInvalid(pending, answer.Refusal!, restampTs: !restamped);
                restamped = true;
            }
        }
        catch (OperationCanceledException) when (_giveUp.IsCancellationRequested)
        {
            LogGaveUp(_logger, pending.Count, _options.DisposeTimeout);
            Drop(pending.Count, "timeout", $"not accepted within the dispose timeout of {_options.DisposeTimeout}");
        }
    }

    private async ValueTask<BatchAnswer> PostAsync(string stream, List<Tracked> pending, CancellationToken cancellationToken)
    {
        var url = stream == ClicksStream ? "/clicks/batch" : $"/streams/{Uri.EscapeDataString(stream)}/events/batch";
        using var response = await _sender.PostAsJsonAsync(url, pending.ConvertAll(tracked => tracked.Event!), ClientJson.Default.ListJsonObject, cancellationToken);
        LearnClockOffset(response);
        return response.IsSuccessStatusCode
            ? new BatchAnswer(response.StatusCode, null)
            : new BatchAnswer(response.StatusCode, BatchRefusal.Parse(await response.Content.ReadAsStringAsync(cancellationToken)));
    }

    private void CircuitOpened(BatchAnswer last, TimeSpan breakDuration)
    {
        var closes = (_time.GetUtcNow() + breakDuration).ToString("HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
        _circuitOpenedBy = $"{BatchCircuit.FailuresToOpen} or more batches failed in a row, the last with {last.Reason}; no batch is sent until {closes} UTC";
        _telemetry.CircuitOpened();
        LogCircuitOpened(_logger, BatchCircuit.FailuresToOpen, last.Reason, breakDuration);
    }

    private void CircuitClosed() => LogCircuitClosed(_logger);

    // The clicks the Api did not name, and (once) the client-stamped ones refused only for their ts, stamped again.
    private List<Tracked> WithoutInvalid(List<Tracked> pending, BatchRefusal refusal, bool restampTs)
    {
        var kept = new List<Tracked>(pending.Count);
        var offset = ClockOffset;
        for (var i = 0; i < pending.Count; i++)
        {
            var tracked = pending[i];
            if (!refusal.InvalidFields.TryGetValue(i, out var fields))
            {
                kept.Add(tracked);
            }
            else if (restampTs && tracked.StampOffset is { } used && used != offset && fields.All(field => field == "ts"))
            {
                tracked.Event!["ts"] = tracked.Event["ts"]!.GetValue<DateTimeOffset>() + (offset - used);
                kept.Add(tracked with { StampOffset = offset });
            }
            else
            {
                Drop(1, "invalid", $"400 for {string.Join(", ", fields)}: {refusal.Detail}");
            }
        }

        return kept;
    }

    // The Api's Date header has whole seconds, truncated: the Api's clock was at or past it when it answered. Taking the
    // header itself keeps the corrected stamps at or behind the Api's clock, never ahead, so a query up to "now" right
    // after a flush finds them. Only an offset of more than two seconds is taken as this clock's error.
    private void LearnClockOffset(HttpResponseMessage response)
    {
        if (response.Headers.Date is { } date)
        {
            var offset = date - _time.GetUtcNow();
            if ((offset - ClockOffset).Duration() > TimeSpan.FromSeconds(2))
            {
                Interlocked.Exchange(ref _clockOffsetTicks, offset.Ticks);
            }
        }
    }

    private void Drop(int count, string kind, string reason)
    {
        _telemetry.Dropped(count, kind);
        LogDropped(_logger, count, reason);
        _droppedSinceFlush += count;
        if (_dropReasons.Count < 10 && !_dropReasons.Contains(reason))
        {
            _dropReasons.Add(reason);
        }
    }

    private static string Query(params (string Name, object? Value)[] parameters)
    {
        var given = parameters.Where(p => p.Value is not null)
            .Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value is DateTimeOffset at ? at.ToString("O", System.Globalization.CultureInfo.InvariantCulture) : Convert.ToString(p.Value, System.Globalization.CultureInfo.InvariantCulture)!)}")
            .ToArray();
        return given.Length == 0 ? "" : "?" + string.Join('&', given);
    }

    /// <summary>
    /// An event to send to its stream (with the clock offset it was stamped with, when the client stamped it), or a
    /// flush waiting for everything tracked before it.
    /// </summary>
    private sealed record Tracked(string Stream, JsonObject? Event, TimeSpan? StampOffset, TaskCompletionSource? Flushed);

    private const string ClicksStream = "clicks";

    // Stream fields are snake_case; the Api's web defaults otherwise (numbers as numbers, no other case).
    private static readonly JsonSerializerOptions EventJson = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver() };

    [LoggerMessage(EventId = 5001, Level = LogLevel.Error, Message = "{Count} clicks are dropped: {Reason}")]
    private static partial void LogDropped(ILogger logger, int count, string reason);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Critical, Message = "The Api answered {Status} to the client's key: the client stops sending; fix the key and make a new client")]
    private static partial void LogStopped(ILogger logger, int status);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Error,
        Message = "{Failures} or more batches failed in a row, the last with {Reason}: the circuit opens, no batch is sent for {BreakDuration} and what is tracked meanwhile is dropped")]
    private static partial void LogCircuitOpened(ILogger logger, int failures, string reason, TimeSpan breakDuration);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Information, Message = "A batch passed after the break: the circuit closes, batches are sent again")]
    private static partial void LogCircuitClosed(ILogger logger);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Error, Message = "{Count} clicks were not accepted within the dispose timeout of {Timeout}; they are dropped")]
    private static partial void LogGaveUp(ILogger logger, int count, TimeSpan timeout);
}
