namespace ClickOrleans.Staging;

/// <summary>
/// The fields of a staging list's stats hash (<see cref="StagingKeys.Stats"/>), in one place: <see cref="DrainStats"/>
/// writes and reads them by these names, and the commit and loss scripts of <see cref="PrivateLists"/> count into the
/// same names (elements, written, skipped, dead, dead-dropped, lost, last-loss, progress-at); the take-over script
/// also keeps the time of the last take-over (taken-over-at), which <see cref="StagingWatermark"/> reads. Each sink
/// has fields of its own, <c>sink:&lt;name&gt;:…</c>.
/// </summary>
public static class DrainStatsFields
{
    public const string Drains = "drains";
    public const string Failed = "failed";
    public const string Elements = "elements";
    public const string Written = "written";
    public const string Skipped = "skipped";
    public const string Dead = "dead";
    public const string Lost = "lost";
    public const string LastDrain = "last-drain";
    public const string LastFailure = "last-failure";
    public const string FailuresInARow = "failures-in-a-row";
    public const string LastLoss = "last-loss";
    public const string ProgressAt = "progress-at";
    public const string DeadDropped = "dead-dropped";

    /// <summary>What begins the fields of one sink: <c>sink:&lt;name&gt;:</c>, then one of the names below.</summary>
    public const string SinkPrefix = "sink:";
    public const string SinkWritten = "written";
    public const string SinkLastCommit = "last-commit";
    public const string SinkLastFailure = "last-failure";
    public const string SinkFailuresInARow = "failures-in-a-row";

    /// <summary>A field of one sink's: <c>sink:&lt;name&gt;:&lt;field&gt;</c>.</summary>
    public static string OfSink(string sink, string field) => SinkPrefix + sink + ":" + field;

}
