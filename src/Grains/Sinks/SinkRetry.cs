using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace ClickOrleans.Sinks;

/// <summary>
/// The retry of sink writes: transient store errors (<see cref="IEventSink.IsTransient"/>) and attempts that took longer
/// than <c>Clicks:SinkAttemptTimeout</c> are retried <c>Clicks:SinkRetries</c> times, waiting <c>Clicks:SinkRetryDelay</c>
/// and doubling with jitter up to 10 s, before the drain gives up and leaves the private list for the next drain; the
/// whole budget fits in the drain's wait for the sink call (checked at start). Writes are idempotent (progress marks),
/// so a retry after a commit whose answer was lost writes nothing twice.
/// </summary>
public static class SinkRetry
{
    public const string Name = "clickorleans-sink";

    public static IServiceCollection AddSinkRetry(this IServiceCollection services)
    {
        services.AddResiliencePipeline(Name, (pipeline, context) =>
        {
            var options = context.ServiceProvider.GetRequiredService<IOptions<ClickOptions>>().Value;
            var sink = context.ServiceProvider.GetRequiredService<IEventSink>();
            pipeline.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is TimeoutRejectedException || sink.IsTransient(e)),
                MaxRetryAttempts = options.SinkRetries,
                Delay = options.SinkRetryDelay,
                MaxDelay = ClickOptions.SinkRetryMaxDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
            });
            pipeline.AddTimeout(options.SinkAttemptTimeout);
        });
        return services;
    }
}
