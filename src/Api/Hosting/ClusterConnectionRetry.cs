namespace ClickOrleans.Api.Hosting;

/// <summary>
/// An Api that starts before any silo keeps trying to reach the cluster instead of exiting: containers start in
/// any order, and silos restart.
/// </summary>
internal sealed partial class ClusterConnectionRetry(ILogger<ClusterConnectionRetry> logger) : IClientConnectionRetryFilter
{
    private static readonly TimeSpan Delay = TimeSpan.FromSeconds(2);

    public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
    {
        LogRetrying(logger, Delay, exception.Message);
        await Task.Delay(Delay, cancellationToken);
        return !cancellationToken.IsCancellationRequested;
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning,
        Message = "Cannot reach the Orleans cluster yet; retrying in {Delay}: {Reason}")]
    private static partial void LogRetrying(ILogger logger, TimeSpan delay, string reason);
}
