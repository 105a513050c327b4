using System.Text;
using System.Text.Json;
using ClickOrleans.Drain;
using ClickOrleans.Staging;
using ClickOrleans.Streams;
using ClickOrleans.Tests.Infrastructure;

namespace ClickOrleans.Tests.Staging;

/// <summary>The clicks stream's elements as the drain reads them: the Api's, the original producers' and what loosely typed producers push.</summary>
[Trait("Category", "AnyRedis")]
public sealed class ClickElementTests
{
    private const string PrivateList = "{product-click-staging}:private:1764000000000";
    private const long TakenOverAt = 1_764_000_000_123;
    private static readonly long Latest = TakenOverAt + 300_000;
    private static readonly ElementContext Context = new(ClickId.SeedOf(PrivateList), TakenOverAt, Latest);

    [Fact]
    public void ApiElement_ParsesBackToTheSameClick_WithItsUuidAsTheEventId()
    {
        var id = ClickId.New();
        var written = Write(id, 42, 7, 1_764_000_000_000);

        Assert.Equal($$"""{"id":"{{id}}","ts":1764000000000,"uid":42,"pid":7}""", written);
        Assert.True(Parse(written, out var parsed, out var error), error);
        Assert.Equal(new TestClick(5, Guid.ParseExact(id, "N"), null, 42, 7, 1_764_000_000_000), parsed);
        Assert.Equal(id, ClickId.Format(parsed.EventId));
    }

    [Theory]
    [InlineData("order-17/click-2")]
    [InlineData("0195F3C4AAAABBBBCCCCDDDDEEEEFFFF")] // upper case: the client's own text, kept as given
    [InlineData("héllo-ü-€-𝄞")]
    public void ClientGivenId_IsKeptAsGiven_AndHashedIntoTheEventId(string id)
    {
        Assert.True(Parse(Write(id, 1, 2, TakenOverAt), out var click, out var error), error);

        Assert.Equal(id, click.ClientId);
        Assert.Equal(ClickId.FromClientId(id), click.EventId);
    }

    [Theory]
    [InlineData("""{"uid":1,"pid":2}""", 1, 2)]
    [InlineData("""{"pid":2,"uid":1}""", 1, 2)]
    [InlineData("""{"uid":"1","pid":"2"}""", 1, 2)]
    [InlineData("""{"uid":1,"pid":2,"extra":{"nested":[1,2,3]}}""", 1, 2)]
    [InlineData(""" { "uid" : 9223372036854775807 , "pid" : 0 } """, long.MaxValue, 0)]
    [InlineData("""{"uid":1,"pid":2,"id":null}""", 1, 2)]
    public void SeedFormat_GetsAnIdFromItsPlace_AndTheTakeOverTime(string element, long uid, long pid)
    {
        Assert.True(Parse(element, out var click, out var error), error);

        Assert.Equal(new TestClick(5, ClickId.FromPosition(ClickId.SeedOf(PrivateList), 5), null, uid, pid, TakenOverAt), click);
    }

    [Theory]
    [InlineData("", "malformed JSON")]
    [InlineData("garbage", "malformed JSON")]
    [InlineData("[1,2]", "not a JSON object")]
    [InlineData("""{"uid":1,"pid":2""", "malformed JSON")]
    [InlineData("""{"uid":1,"pid":2} trailing""", "malformed JSON")]
    [InlineData("""{"uid":1,"pid":2}{}""", "malformed JSON")]
    [InlineData("\"just a string\"", "not a JSON object")]
    [InlineData("""{"uid":1}""", "pid is required")]
    [InlineData("""{"pid":1}""", "uid is required")]
    [InlineData("""{"uid":-1,"pid":2}""", "uid must be")]
    [InlineData("""{"uid":1.5,"pid":2}""", "uid must be")]
    [InlineData("""{"uid":1,"pid":"2x"}""", "pid must be")]
    [InlineData("""{"uid":1,"pid":99999999999999999999}""", "pid must be")]
    [InlineData("""{"uid":1,"pid":-9223372036854775808}""", "pid must be")]
    [InlineData("""{"uid":1,"pid":true}""", "pid must be")]
    [InlineData("""{"uid":null,"pid":2}""", "uid is required")]
    [InlineData("""{"uid":1,"uid":2,"pid":2}""", "uid appears more than once")]
    [InlineData("""{"uid":1,"pid":2,"id":""}""", "id must be")]
    [InlineData("""{"uid":1,"pid":2,"id":7}""", "id must be")]
    [InlineData("""{"uid":1,"pid":2,"id":"a\u0001b"}""", "id must be")]
    [InlineData("""{"uid":1,"pid":2,"id":"a\u0000b"}""", "id must be")]
    [InlineData("""{"uid":1,"pid":2,"id":"lone \ud800 surrogate"}""", "id must be")]
    [InlineData("""{"uid":1,"pid":2,"id":"0123456789012345678901234567890123456789012345678901234567890123456789"}""", "id must be")]
    [InlineData("""{"uid":1,"pid":2,"ts":"2026-11-27"}""", "ts must be")]
    [InlineData("""{"uid":1,"pid":2,"ts":1.5e12}""", "ts must be")]
    [InlineData("""{"uid":1,"pid":2,"ts":1000000000000000000}""", "ts must lie")]
    [InlineData("""{"uid":1,"pid":2,"ts":-1}""", "ts must lie")]
    [InlineData("""{"uid":1,"pid":2,"ts":-62135596800001}""", "ts must lie")]
    [InlineData("""{"uid":1,"pid":2,"ts":9223372036854775807}""", "ts must lie")]
    public void BadElement_IsRejectedWithAReason(string element, string reason)
    {
        Assert.False(Parse(element, out _, out var error));
        Assert.StartsWith(reason, error);
    }

    [Fact]
    public void TimestampAsADigitString_IsReadLikeANumber()
    {
        Assert.True(Parse("""{"uid":1,"pid":2,"ts":"1700000000000"}""", out var click, out var error), error);
        Assert.Equal(1_700_000_000_000, click.TimestampMs);
        Assert.False(Parse("""{"uid":1,"pid":2,"ts":"17e11"}""", out _, out _));
    }

    [Fact]
    public void IdLength_CountsCharacters_NotUtf16Units()
    {
        Assert.True(ClickRules.IsValidId(string.Concat(Enumerable.Repeat("𝄞", 64))));
        Assert.False(ClickRules.IsValidId(string.Concat(Enumerable.Repeat("𝄞", 65))));
        Assert.True(ClickRules.IsValidId(new string('x', 64)));
        Assert.False(ClickRules.IsValidId(new string('x', 65)));
    }

    [Fact]
    public void Timestamp_IsAcceptedUpToTheClockSkewAfterTheTakeOver_AndNoFurther()
    {
        Assert.True(Parse($$"""{"uid":1,"pid":2,"ts":{{Latest}}}""", out var click, out _));
        Assert.Equal(Latest, click.TimestampMs);
        Assert.False(Parse($$"""{"uid":1,"pid":2,"ts":{{Latest + 1}}}""", out _, out _));
        Assert.True(Parse("""{"uid":1,"pid":2,"ts":0}""", out _, out _));
    }

    [Fact]
    public void DeeplyNestedUnknownProperty_IsRejectedNotThrown()
    {
        var element = """{"uid":1,"pid":2,"x":""" + new string('[', 1000) + new string(']', 1000) + "}";

        Assert.False(Parse(element, out _, out var error));
        Assert.StartsWith("malformed JSON", error);
    }

    [Fact]
    public void InvalidUtf8InTheId_IsRejectedNotThrown()
    {
        byte[] element = [.. "{\"uid\":1,\"pid\":2,\"id\":\""u8, 0xC3, 0x28, .. "\"}"u8];

        Assert.False(Parse(element, out _, out var error));
        Assert.NotNull(error);
    }

    [Fact]
    public void DeadLetter_OfInvalidUtf8_KeepsTheExactBytes()
    {
        byte[] element = [0x7B, 0xC3, 0x28, 0xFF, 0x7D];

        var letter = DeadLetter.Read(DeadLetter.Of("not JSON", PrivateList, 3, element).ToRedisValue());

        Assert.Equal(element, (byte[])letter.ElementValue!);
    }

    private static string Write(string id, long uid, long pid, long timestampMs)
    {
        var rows = ClickBatch.Rules.NewRows(1);
        Assert.True(ClickBatch.Rules.TryRead(Encoding.UTF8.GetBytes($$"""{"uid":{{uid}},"pid":{{pid}}}"""), staged: true, rows, [], out _));
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            ClickBatch.Rules.Write(writer, id, timestampMs, rows, 0);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static bool Parse(string element, out TestClick click, out string? error) =>
        Parse(Encoding.UTF8.GetBytes(element), out click, out error);

    /// <summary>The element read as the drain reads it, at position 5 of a chunk of one.</summary>
    private static bool Parse(byte[] element, out TestClick click, out string? error)
    {
        var chunk = EventChunk.Parse(
            ChunkElements.Parse(5, element, element.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), "", []),
            ClickBatch.Rules, PrivateList, Context, partitions: 1, ClickStream.PartitionedBy);
        click = default;
        error = chunk.DeadLetters.Count == 1 ? DeadLetter.Read(chunk.DeadLetters[0]).Reason : null;
        if (chunk.Rows.Count == 0)
        {
            return false;
        }

        var rows = chunk.Rows;
        click = new TestClick(rows.Positions[0], rows.EventIds[0], rows.ClientIds[0],
            rows.LongAt(0, ClickBatch.Rules.SlotOf(ClickBatch.Rules.IndexOf("uid"))), rows.LongAt(0, ClickBatch.Rules.SlotOf(ClickBatch.Rules.IndexOf("pid"))),
            rows.Timestamps[0]);
        return true;
    }
}
