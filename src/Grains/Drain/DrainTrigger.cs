namespace ClickOrleans.Drain;

/// <summary>What started a drain: a tag on its log line and metrics.</summary>
public enum DrainTrigger
{
    /// <summary>The periodic reminder: the time bound.</summary>
    Reminder,

    /// <summary>An occurrence of <c>Clicks:DrainSchedule</c>.</summary>
    Schedule,

    /// <summary>The staging list reached <c>Clicks:FlushSize</c>.</summary>
    FlushSize,

    /// <summary>An operator or test asked (<c>POST /admin/drain</c>).</summary>
    Request,

    /// <summary>A trigger arrived while the previous drain ran.</summary>
    FollowUp,
}
