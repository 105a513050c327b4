using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;

namespace ClickOrleans.Client;

public static class ClickClientServiceCollectionExtensions
{
    /// <summary>Attempts for a 500 or another 5xx that is not a gateway's or a 503: then the batch is dropped and reported.</summary>
    public const int ServerErrorAttempts = 4;

    /// <summary>
    /// Registers <see cref="ClickClient"/> (one per container) on <see cref="IHttpClientFactory"/>, with a retry of 408,
    /// 429, 502, 503, 504 and network failures without a limit of attempts (disposing the client ends them), and of
    /// other 5xx (a fault that may be deterministic) for <see cref="ServerErrorAttempts"/> attempts: exponential backoff
    /// from 500 ms with jitter, up to 30 s, <c>Retry-After</c> honoured, 10 s per attempt.
    /// </summary>
    /// <returns>The HTTP client's builder, for more handlers (a proxy, a test server).</returns>
    public static IHttpClientBuilder AddClickOrleansClient(this IServiceCollection services, Action<ClickClientOptions> configure)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ClickClientOptions>, ClickClientOptionsValidator>());
        services.AddOptions<ClickClientOptions>().Configure(configure).ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton<ClickClientTelemetry>();
        services.TryAddSingleton(provider => new ClickClient(
            provider.GetRequiredService<IHttpClientFactory>(),
            provider.GetRequiredService<IOptions<ClickClientOptions>>(),
            provider.GetRequiredService<ClickClientTelemetry>(),
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<ILogger<ClickClient>>()));
        var http = services.AddHttpClient(ClickClient.HttpClientName, (provider, client) =>
        {
            var options = provider.GetRequiredService<IOptions<ClickClientOptions>>().Value;
            client.BaseAddress = options.BaseAddress;
            client.Timeout = Timeout.InfiniteTimeSpan; // the pipeline times each attempt
            if (options.ApiKey is { Length: > 0 } key)
            {
                client.DefaultRequestHeaders.Add("X-Api-Key", key);
            }
        });
        http.AddResilienceHandler("clickorleans-retry", (pipeline, context) =>
        {
            var telemetry = context.ServiceProvider.GetRequiredService<ClickClientTelemetry>();
            pipeline
                .AddRetry(new HttpRetryStrategyOptions
                {
                    MaxRetryAttempts = int.MaxValue,
                    ShouldHandle = args => ValueTask.FromResult(args.Outcome switch
                    {
                        { Exception: HttpRequestException or Polly.Timeout.TimeoutRejectedException } => true,
                        { Result.StatusCode: HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway
                            or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout } => true,
                        { Result.StatusCode: >= HttpStatusCode.InternalServerError } => args.AttemptNumber + 1 < ServerErrorAttempts,
                        _ => false,
                    }),
                    Delay = TimeSpan.FromMilliseconds(500),
                    MaxDelay = TimeSpan.FromSeconds(30),
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    ShouldRetryAfterHeader = true,
                    OnRetry = _ =>
                    {
                        telemetry.Retried();
                        return default;
                    },
                })
                .AddTimeout(TimeSpan.FromSeconds(10));
        });
        return http;
    }
}
