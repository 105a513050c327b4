using System.Net;
using System.Net.Http.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ClickOrleans.Client;

/// <summary>
/// The ClickOrleans Api for .NET callers. <see cref="TrackAsync"/> is the pattern on the client side: clicks are
/// buffered and sent as one <c>POST /clicks/batch</c> when <see cref="ClickClientOptions.BatchSize"/> are waiting or
/// <see cref="ClickClientOptions.FlushInterval"/> after the first, every click with an id of its own, so that a batch
/// sent again after a failure (a 503 while Redis fails over, a timeout) is stored once. Disposing sends what is left.
/// </summary>
/// <remarks>
/// Register it with <c>AddClickOrleansClient</c>: it sends through <see cref="IHttpClientFactory"/>, whose pipeline
/// retries 429, 503 and network failures with exponential backoff and jitter, honouring <c>Retry-After</c>.
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

    internal ClickClient(
        IHttpClientFactory http, IOptions<ClickClientOptions> options, ClickClientTelemetry telemetry, TimeProvider time, ILogger<ClickClient> logger)
    {
        _http = http;
        _sender = http.CreateClient(HttpClientName); // made once: a container that disposes this client can make no more
        _options = options.Value;
        _telemetry = telemetry;
        _time = time;
        _logger = logger;
        _buffer = Channel.CreateBounded<Tracked>(new BoundedChannelOptions(_options.MaxBuffered) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _sending = Task.Run(SendAsync);
    }

    /// <summary>Tracks a click; it is sent with the next batch. Waits only when <see cref="ClickClientOptions.MaxBuffered"/> wait already.</summary>
    /// <returns>The click's id, as the query API will return it.</returns>
    public async ValueTask<string> TrackAsync(long uid, long pid, DateTimeOffset? at = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(uid);
        ArgumentOutOfRangeException.ThrowIfNegative(pid);
        var id = Guid.CreateVersion7().ToString("N");
        await _buffer.Writer.WriteAsync(new Tracked(new ClickRequest(id, uid, pid, at ?? _time.GetUtcNow()), null), cancellationToken);
        _telemetry.Tracked();
        return id;
    }

    /// <summary>Sends everything tracked so far; completes once the Api accepted it.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var flushed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await _buffer.Writer.WriteAsync(new Tracked(null, flushed), cancellationToken);
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

    private async Task SendAsync()
    {
        var batch = new List<ClickRequest>(_options.BatchSize);
        var flushes = new List<TaskCompletionSource>();
        while (await _buffer.Reader.WaitToReadAsync())
        {
            var due = _time.GetUtcNow() + _options.FlushInterval;
            while (batch.Count < _options.BatchSize && flushes.Count == 0)
            {
                if (_buffer.Reader.TryRead(out var tracked))
                {
                    if (tracked.Click is { } click)
                    {
                        batch.Add(click);
                    }
                    else
                    {
                        flushes.Add(tracked.Flushed!);
                    }

                    continue;
                }

                var wait = due - _time.GetUtcNow();
                if (wait <= TimeSpan.Zero || await Task.WhenAny(_buffer.Reader.WaitToReadAsync().AsTask(), Task.Delay(wait, _time)) is Task<bool> { Result: false })
                {
                    break;
                }
            }

            if (batch.Count > 0)
            {
                await SendBatchAsync(batch);
                batch.Clear();
            }

            flushes.ForEach(flushed => flushed.TrySetResult());
            flushes.Clear();
        }
    }

    // The HTTP pipeline retries 429, 503 and network failures without end (bounded by the dispose timeout): the
    // batch's ids make every retry safe. A 400 or 413 is the caller's to fix: the batch is dropped, and logged.
    private async Task SendBatchAsync(List<ClickRequest> batch)
    {
        var started = _time.GetTimestamp();
        try
        {
            using var response = await _sender.PostAsJsonAsync("/clicks/batch", batch, ClientJson.Default.ListClickRequest, _giveUp.Token);
            if (response.IsSuccessStatusCode)
            {
                _telemetry.Sent(batch.Count, _time.GetElapsedTime(started));
                return;
            }

            LogRefused(_logger, batch.Count, (int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (OperationCanceledException) when (_giveUp.IsCancellationRequested)
        {
            LogGaveUp(_logger, batch.Count, _options.DisposeTimeout);
        }

        _telemetry.Dropped(batch.Count);
    }

    private static string Query(params (string Name, object? Value)[] parameters)
    {
        var given = parameters.Where(p => p.Value is not null)
            .Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value is DateTimeOffset at ? at.ToString("O", System.Globalization.CultureInfo.InvariantCulture) : Convert.ToString(p.Value, System.Globalization.CultureInfo.InvariantCulture)!)}")
            .ToArray();
        return given.Length == 0 ? "" : "?" + string.Join('&', given);
    }

    /// <summary>A click to send, or a flush waiting for everything tracked before it.</summary>
    private sealed record Tracked(ClickRequest? Click, TaskCompletionSource? Flushed);

    [LoggerMessage(EventId = 5001, Level = LogLevel.Error, Message = "The Api refused a batch of {Count} clicks with {Status}: {Problem}; they are dropped")]
    private static partial void LogRefused(ILogger logger, int count, int status, string problem);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Error, Message = "{Count} clicks were not accepted within the dispose timeout of {Timeout}; they are dropped")]
    private static partial void LogGaveUp(ILogger logger, int count, TimeSpan timeout);
}
