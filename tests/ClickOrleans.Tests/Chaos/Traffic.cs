using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;

namespace ClickOrleans.Tests.Chaos;

/// <summary>
/// Steady ingest through the Api with client-given ids, remembering what got a 202 (must reach the sink exactly
/// once) and what got no clear answer (may or may not have been staged).
/// </summary>
public sealed class Traffic : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sending;
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];
    private int _batches;

    public Traffic(HttpClient api, int batchSize = 50, TimeSpan? interval = null)
    {
        _sending = SendAsync(api, batchSize, interval ?? TimeSpan.FromMilliseconds(20));
    }

    public ConcurrentDictionary<string, bool> Accepted { get; } = new();

    public ConcurrentDictionary<string, bool> Unanswered { get; } = new();

    private int _unavailable;
    private int _rejected;

    public int Unavailable => Volatile.Read(ref _unavailable);

    public int Rejected => Volatile.Read(ref _rejected);

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await _sending;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync();
        }

        _stop.Dispose();
    }

    private async Task SendAsync(HttpClient api, int batchSize, TimeSpan interval)
    {
        while (!_stop.IsCancellationRequested)
        {
            var batch = Interlocked.Increment(ref _batches);
            var ids = Enumerable.Range(0, batchSize).Select(i => $"{_run}-{batch}-{i}").ToArray();
            var clicks = ids.Select((id, i) => new { uid = batch, pid = i % 97, id });
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                var response = await api.PostAsJsonAsync("/clicks/batch", clicks, timeout.Token);
                var outcome = response.StatusCode switch
                {
                    HttpStatusCode.Accepted => Accepted,
                    HttpStatusCode.ServiceUnavailable => Count(ref _unavailable, Unanswered),
                    _ => Count(ref _rejected, Unanswered),
                };
                foreach (var id in ids)
                {
                    outcome[id] = true;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                foreach (var id in ids)
                {
                    Unanswered[id] = true;
                }
            }

            await Task.Delay(interval);
        }
    }

    private static ConcurrentDictionary<string, bool> Count(ref int counter, ConcurrentDictionary<string, bool> set)
    {
        Interlocked.Increment(ref counter);
        return set;
    }
}
