namespace ClickOrleans;

/// <summary>
/// A grain could not reach the staging store (Redis): carries Redis' error as text, so it crosses silos and reaches
/// the Api as what it is (the Redis client's own exception types have no Orleans codec).
/// </summary>
[GenerateSerializer]
public sealed class StagingUnavailableException(string message) : Exception(message);
