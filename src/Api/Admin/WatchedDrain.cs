namespace ClickOrleans.Api.Admin;

/// <summary>
/// A drain call that outlives the silo running it. A grain call that went through a gateway that died is answered
/// only at its response timeout (30 minutes for a drain), so while the call waits, the aggregator is asked every
/// <see cref="CheckEvery"/> which activation it is; once another activation answers (the first one's silo is gone),
/// the drain is asked of it instead. That drain covers everything staged before the request as well.
/// </summary>
internal static class WatchedDrain
{
    private static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(5);

    public static async Task<DrainResult> DrainAsync(IAggregatorGrain aggregator, TimeProvider time, CancellationToken cancellationToken)
    {
        var activation = await aggregator.GetActivationId();
        var drain = aggregator.Drain();
        while (true)
        {
            if (await Task.WhenAny(drain, Task.Delay(CheckEvery, time, cancellationToken)) == drain)
            {
                return await drain;
            }

            cancellationToken.ThrowIfCancellationRequested();
            string current;
            try
            {
                current = await aggregator.GetActivationId().WaitAsync(CheckTimeout, time, cancellationToken);
            }
            catch (Exception e) when (e is TimeoutException or SiloUnavailableException or OrleansMessageRejectionException)
            {
                continue; // the cluster has not settled yet: the grain's old silo is unreachable but not yet declared dead
            }

            if (current != activation)
            {
                drain.Ignore();
                (activation, drain) = (current, aggregator.Drain());
            }
        }
    }
}
