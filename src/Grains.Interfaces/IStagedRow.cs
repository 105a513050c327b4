namespace ClickOrleans;

/// <summary>An event read from a private list: what a sink's progress mark counts is its position there.</summary>
public interface IStagedRow
{
    /// <summary>Where the element sits in its private list, oldest first.</summary>
    long Position { get; }
}
