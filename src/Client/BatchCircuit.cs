using Polly;
using Polly.CircuitBreaker;

namespace ClickOrleans.Client;

/// <summary>
/// Polly's circuit breaker over the batches: when the last <see cref="FailuresToOpen"/> or more batches of a minute
/// all failed permanently (<see cref="BatchAnswer.Permanent"/>), no batch is sent for the break; then one batch probes,
/// and its success closes the circuit.
/// </summary>
internal static class BatchCircuit
{
    public const int FailuresToOpen = 3;

    public static ResiliencePipeline<BatchAnswer> Create(TimeSpan breakDuration, TimeProvider time, Action<BatchAnswer, TimeSpan> opened, Action closed) =>
        new ResiliencePipelineBuilder<BatchAnswer> { TimeProvider = time }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<BatchAnswer>
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result is { Permanent: true }),
                FailureRatio = 1.0,
                MinimumThroughput = FailuresToOpen,
                SamplingDuration = TimeSpan.FromMinutes(1),
                BreakDuration = breakDuration,
                OnOpened = args =>
                {
                    opened(args.Outcome.Result!, args.BreakDuration);
                    return default;
                },
                OnClosed = _ =>
                {
                    closed();
                    return default;
                },
            })
            .Build();
}
