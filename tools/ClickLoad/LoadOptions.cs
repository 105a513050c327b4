using System.Globalization;

namespace ClickOrleans.ClickLoad;

/// <summary>What to send, how fast, for how long; parsed from <c>--name value</c> arguments.</summary>
internal sealed record LoadOptions
{
    public Uri Url { get; init; } = new("http://127.0.0.1:5080");
    public string Mode { get; init; } = "batch";
    public int BatchSize { get; init; } = 1000;
    public double Rate { get; init; }
    public long Count { get; init; }
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);
    public int Connections { get; init; } = 16;
    public long Users { get; init; } = 100_000;
    public long Products { get; init; } = 10_000;
    public string Distribution { get; init; } = "uniform";
    public double ZipfExponent { get; init; } = 1.1;
    public bool ClientIds { get; init; }
    public bool Json { get; init; }
    public string? ApiKey { get; init; }
    public string Redis { get; init; } = "127.0.0.1:6379";
    public string StagingKey { get; init; } = "product-click-staging";

    public const string Usage = """
        ClickLoad: load a ClickOrleans Api, or stage a backlog straight into Redis.
          --url http://127.0.0.1:5080   Api base address
          --mode batch|single|stage     POST /clicks/batch, POST /clicks, or LPUSH seed-format elements to Redis
          --batch-size 1000             clicks per batch request (and per LPUSH in stage mode)
          --rate 0                      clicks per second; 0 = as fast as possible
          --count 0                     clicks to send; 0 = run for --duration
          --duration 10s                how long to run when --count is 0 (s, m suffixes)
          --connections 16              concurrent requests
          --users 100000 --products 10000   id ranges
          --distribution uniform|zipf   product popularity; --zipf-exponent 1.1
          --client-ids                  send an id with every click (idempotent retries)
          --api-key KEY                 sent as X-Api-Key
          --redis 127.0.0.1:6379 --staging-key product-click-staging   stage mode
          --json                        print the summary as JSON
        """;

    public static LoadOptions Parse(string[] args)
    {
        var options = new LoadOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            options = args[i] switch
            {
                "--url" => options with { Url = new Uri(Next()) },
                "--mode" => options with { Mode = OneOf(Next(), "--mode", "batch", "single", "stage") },
                "--batch-size" => options with { BatchSize = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--rate" => options with { Rate = double.Parse(Next(), CultureInfo.InvariantCulture) },
                "--count" => options with { Count = long.Parse(Next(), CultureInfo.InvariantCulture) },
                "--duration" => options with { Duration = ParseDuration(Next()) },
                "--connections" => options with { Connections = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--users" => options with { Users = long.Parse(Next(), CultureInfo.InvariantCulture) },
                "--products" => options with { Products = long.Parse(Next(), CultureInfo.InvariantCulture) },
                "--distribution" => options with { Distribution = OneOf(Next(), "--distribution", "uniform", "zipf") },
                "--zipf-exponent" => options with { ZipfExponent = double.Parse(Next(), CultureInfo.InvariantCulture) },
                "--client-ids" => options with { ClientIds = true },
                "--json" => options with { Json = true },
                "--api-key" => options with { ApiKey = Next() },
                "--redis" => options with { Redis = Next() },
                "--staging-key" => options with { StagingKey = Next() },
                _ => throw new ArgumentException($"unknown argument {args[i]}"),
            };
        }

        return options;
    }

    private static string OneOf(string value, string name, params string[] allowed) =>
        allowed.Contains(value) ? value : throw new ArgumentException($"{name} is one of {string.Join(", ", allowed)}");

    private static TimeSpan ParseDuration(string value) => value[^1] switch
    {
        's' => TimeSpan.FromSeconds(double.Parse(value[..^1], CultureInfo.InvariantCulture)),
        'm' => TimeSpan.FromMinutes(double.Parse(value[..^1], CultureInfo.InvariantCulture)),
        _ => TimeSpan.FromSeconds(double.Parse(value, CultureInfo.InvariantCulture)),
    };
}
