using System.Diagnostics;
using System.Net;
using System.Text;
using StackExchange.Redis;

namespace ClickOrleans.ClickLoad;

/// <summary>Sends clicks with <see cref="LoadOptions.Connections"/> concurrent senders, paced to the target rate.</summary>
internal sealed class LoadRunner(LoadOptions options)
{
    private readonly ProductPicker _products = new(options);
    private readonly LoadStats _stats = new();
    private long _next;

    public async Task<LoadSummary> RunAsync(CancellationToken cancellationToken)
    {
        using var progress = new Timer(_ => Console.Error.Write("\r" + _stats.ProgressLine()), null, 1000, 1000);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (options.Count == 0)
        {
            deadline.CancelAfter(options.Duration);
        }

        var senders = options.Mode == "stage"
            ? await StageSendersAsync(deadline.Token)
            : HttpSenders(deadline.Token);
        await Task.WhenAll(senders);
        Console.Error.WriteLine("\r" + _stats.ProgressLine());
        return _stats.Summarize(options);
    }

    private Task[] HttpSenders(CancellationToken cancellationToken)
    {
        var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = options.Connections, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = options.Url,
            Timeout = TimeSpan.FromSeconds(30),
        };
        if (options.ApiKey is not null)
        {
            http.DefaultRequestHeaders.Add("X-Api-Key", options.ApiKey);
        }

        var path = options.Mode == "batch" ? "/clicks/batch" : "/clicks";
        var perRequest = options.Mode == "batch" ? options.BatchSize : 1;
        return Enumerable.Range(0, options.Connections).Select(_ => Task.Run(async () =>
        {
            var random = new Random();
            var body = new StringBuilder();
            while (NextSlot(perRequest, cancellationToken) is { } first)
            {
                Build(body, first, perRequest, random);
                var started = Stopwatch.GetTimestamp();
                try
                {
                    using var content = new StringContent(body.ToString(), Encoding.UTF8, "application/json");
                    using var response = await http.PostAsync(path, content, CancellationToken.None);
                    _stats.Record(perRequest, response.StatusCode == HttpStatusCode.Accepted, failed: (int)response.StatusCode >= 500, Elapsed(started));
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    _stats.Record(perRequest, accepted: false, failed: true, Elapsed(started));
                }
            }
        }, CancellationToken.None)).ToArray();
    }

    private async Task<Task[]> StageSendersAsync(CancellationToken cancellationToken)
    {
        var redis = await ConnectionMultiplexer.ConnectAsync(options.Redis);
        var database = redis.GetDatabase();
        return Enumerable.Range(0, options.Connections).Select(_ => Task.Run(async () =>
        {
            var random = new Random();
            while (NextSlot(options.BatchSize, cancellationToken) is { } first)
            {
                var count = (int)Math.Min(options.BatchSize, options.Count == 0 ? options.BatchSize : options.Count - first);
                var elements = new RedisValue[count];
                for (var i = 0; i < count; i++)
                {
                    elements[i] = $$"""{"uid":{{random.NextInt64(options.Users)}},"pid":{{_products.Next(random)}}}""";
                }

                var started = Stopwatch.GetTimestamp();
                await database.ListLeftPushAsync(options.StagingKey, elements);
                _stats.Record(count, accepted: true, failed: false, Elapsed(started));
            }
        }, CancellationToken.None)).ToArray();
    }

    // Claims the next request's first click number, or null when the run is over; waits for its slot at the target rate.
    private long? NextSlot(int clicks, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return null;
        }

        var first = Interlocked.Add(ref _next, clicks) - clicks;
        if (options.Count > 0 && first >= options.Count)
        {
            return null;
        }

        if (options.Rate > 0)
        {
            var due = TimeSpan.FromSeconds(first / options.Rate) - _stats.Clock.Elapsed;
            if (due > TimeSpan.Zero)
            {
                Thread.Sleep(due);
            }
        }

        return cancellationToken.IsCancellationRequested ? null : first;
    }

    private void Build(StringBuilder body, long first, int count, Random random)
    {
        body.Clear();
        if (options.Mode == "batch")
        {
            body.Append('[');
        }

        for (var i = 0; i < count; i++)
        {
            if (i > 0)
            {
                body.Append(',');
            }

            body.Append("{\"uid\":").Append(random.NextInt64(options.Users)).Append(",\"pid\":").Append(_products.Next(random));
            if (options.ClientIds)
            {
                body.Append(",\"id\":\"load-").Append(first + i).Append('"');
            }

            body.Append('}');
        }

        if (options.Mode == "batch")
        {
            body.Append(']');
        }
    }

    private static double Elapsed(long started) => Stopwatch.GetElapsedTime(started).TotalMilliseconds;
}
