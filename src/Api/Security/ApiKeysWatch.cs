using Microsoft.Extensions.Options;

namespace ClickOrleans.Api.Security;

/// <summary>
/// Says at start that an Api without keys is open to whoever reaches it, and says as an error when a reload leaves an
/// Api started with keys without any: it then denies every request that needs a scope until keys are back.
/// </summary>
internal sealed partial class ApiKeysWatch(ApiAccess access, IOptionsMonitor<ApiKeyOptions> keys, ILogger<ApiKeysWatch> logger) : IHostedService
{
    private IDisposable? _subscription;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (access.Anonymous)
        {
            LogAnonymous(logger);
        }
        else
        {
            _subscription = keys.OnChange(current =>
            {
                if (current.Keys.Count == 0)
                {
                    LogNoKeysLeft(logger);
                }
            });
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning,
        Message = "No API keys are configured (Api:Keys): anyone who reaches this process may push clicks and administer it")]
    private static partial void LogAnonymous(ILogger logger);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Error,
        Message = "Api:Keys no longer holds any key: every request that needs a scope is denied (401) until keys are configured again")]
    private static partial void LogNoKeysLeft(ILogger logger);
}
