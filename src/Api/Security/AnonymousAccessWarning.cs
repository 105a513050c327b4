namespace ClickOrleans.Api.Security;

/// <summary>Says at start that an embedded Api without keys is open to whoever reaches it, hence loopback only.</summary>
internal sealed partial class AnonymousAccessWarning(ILogger<AnonymousAccessWarning> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        LogAnonymous(logger);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning,
        Message = "No API keys are configured (Api:Keys): anyone who reaches this process may push clicks and administer it, so it listens on loopback only")]
    private static partial void LogAnonymous(ILogger logger);
}
