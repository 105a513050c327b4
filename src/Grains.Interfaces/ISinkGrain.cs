namespace ClickOrleans;

/// <summary>One partition of the click sink, keyed by partition number; writes a batch in bulk, exactly once per event id.</summary>
public interface ISinkGrain : IGrainWithIntegerKey
{
    Task<SinkResult> Write(ClickBatch batch);
}
