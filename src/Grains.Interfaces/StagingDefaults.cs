namespace ClickOrleans;

/// <summary>Defaults shared by the producers (the Api) and the drain.</summary>
public static class StagingDefaults
{
    /// <summary>The original pattern's staging list, so existing producers work unchanged.</summary>
    public const string StagingKey = "product-click-staging";
}
