namespace ClickOrleans;

/// <summary>
/// A drain failed: the store or Redis could not be reached, or another drain holds the list. What was committed stays
/// committed; the rest waits for the next drain. Carries the cause as text only (no inner exception),
/// so every caller (any silo, the Api) can read it whatever the cause's type.
/// </summary>
[GenerateSerializer, Alias("ClickOrleans.DrainFailedException")]
public sealed class DrainFailedException : Exception
{
    public DrainFailedException(string message) : base(message)
    {
    }
}
