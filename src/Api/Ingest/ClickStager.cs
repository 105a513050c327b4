using System.Buffers;
using System.Text.Json;
using ClickOrleans.Staging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ClickOrleans.Api.Ingest;

/// <summary>Stages accepted clicks on the staging list: compact JSON elements, all of a request in one LPUSH.</summary>
public sealed class ClickStager(IConnectionMultiplexer redis, IOptions<StagingOptions> options)
{
    private readonly StagingList _staging = new(redis.GetDatabase(), new StagingKeys(options.Value.StagingKey));

    /// <summary>Returns once Redis acknowledged the push; throws when Redis cannot be reached.</summary>
    public Task<long> StageAsync(IReadOnlyList<Click> clicks)
    {
        var buffer = new ArrayBufferWriter<byte>(clicks.Count * 96);
        var ends = new int[clicks.Count];
        using (var writer = new Utf8JsonWriter(buffer))
        {
            for (var i = 0; i < clicks.Count; i++)
            {
                StagedElement.Write(writer, clicks[i]);
                writer.Flush();
                writer.Reset();
                ends[i] = buffer.WrittenCount;
            }
        }

        var written = buffer.WrittenMemory;
        var elements = new RedisValue[clicks.Count];
        for (int i = 0, start = 0; i < clicks.Count; start = ends[i], i++)
        {
            elements[i] = written[start..ends[i]];
        }

        return _staging.PushAsync(elements);
    }
}
