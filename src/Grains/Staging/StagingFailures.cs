using StackExchange.Redis;

namespace ClickOrleans.Staging;

/// <summary>
/// Which Redis failures mean "the staging store is out of reach for now" — a retry can pass — and the
/// <see cref="StagingUnavailableException"/> they become, so that nothing above staging reads Redis' error texts.
/// </summary>
public static class StagingFailures
{
    // Errors a Redis returns while it fails over, starts, or refuses writes for a while.
    private static readonly string[] RetryableErrors = ["CLUSTERDOWN", "TRYAGAIN", "LOADING", "READONLY", "MASTERDOWN", "NOREPLICAS", "OOM"];

    public static bool IsUnavailable(Exception exception) =>
        exception is RedisConnectionException or RedisTimeoutException
        || (exception is RedisServerException server && RetryableErrors.Any(prefix => server.Message.StartsWith(prefix, StringComparison.Ordinal)));

    /// <summary>Runs a staging operation, with an unavailable Redis as <see cref="StagingUnavailableException"/>.</summary>
    public static async Task<T> TranslateAsync<T>(Func<Task<T>> operation)
    {
        try
        {
            return await operation();
        }
        catch (Exception e) when (IsUnavailable(e))
        {
            throw Unavailable(e);
        }
    }

    public static StagingUnavailableException Unavailable(Exception exception) => new(Describe(exception), exception);

    /// <summary>What a Redis failure means for staging, in words for a caller: no Redis client type names.</summary>
    public static string Describe(Exception exception) =>
        exception is RedisServerException
            ? $"The staging store (Redis) cannot take writes right now ({exception.Message})"
            : "The staging store (Redis) cannot be reached";
}
