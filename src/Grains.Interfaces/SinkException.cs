namespace ClickOrleans;

/// <summary>A sink write failed after its retries; carries the store's error as text, so it crosses silos whatever its type.</summary>
[GenerateSerializer, Alias("ClickOrleans.SinkException")]
public sealed class SinkException(string message) : Exception(message);
