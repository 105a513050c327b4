namespace ClickOrleans;

/// <summary>
/// The staging store (Redis) could not be reached, or refused writes for a while: a retry can pass. Carries Redis'
/// error as text, so it crosses silos and reaches the Api as what it is (the Redis client's own exception types have
/// no Orleans codec).
/// </summary>
[GenerateSerializer, Alias("ClickOrleans.StagingUnavailableException")]
public sealed class StagingUnavailableException : Exception
{
    public StagingUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Raised where the Redis failure happened, with it as the inner exception (for the log; not sent between silos).</summary>
    public StagingUnavailableException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
