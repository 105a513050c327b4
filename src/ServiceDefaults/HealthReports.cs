using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ClickOrleans.Hosting;

/// <summary>
/// The health checks' report for <c>/health</c>: shared for a second among the callers who see only the status, so a
/// flood of probes runs the checks once a second rather than once a request; run afresh for a caller who sees the details.
/// </summary>
public sealed class HealthReports(HealthCheckService checks, TimeProvider time)
{
    /// <summary>How long a report serves the callers who see only the status.</summary>
    public static readonly TimeSpan Freshness = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private Task<HealthReport>? _shared;
    private long _sharedAt;

    public Task<HealthReport> SharedAsync()
    {
        lock (_lock)
        {
            if (_shared is null || _shared.IsFaulted || time.GetElapsedTime(_sharedAt) >= Freshness)
            {
                _shared = checks.CheckHealthAsync();
                _sharedAt = time.GetTimestamp();
            }

            return _shared;
        }
    }

    public Task<HealthReport> FreshAsync(CancellationToken cancellationToken) => checks.CheckHealthAsync(cancellationToken);
}
