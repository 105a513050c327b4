namespace ClickOrleans.Sinks;

/// <summary>One sink partition: product ids hash to it, so its rollup rows are written by it alone.</summary>
public sealed class SinkGrain(IClickSink sink) : Grain, ISinkGrain
{
    public Task<SinkResult> Write(ClickBatch batch) => sink.WriteAsync(batch.Clicks, CancellationToken.None);
}
