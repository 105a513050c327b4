using System.Text;
using System.Text.Json;
using ClickOrleans.Staging;

namespace ClickOrleans.Tests.Staging;

public sealed class StagedElementTests
{
    private const string PrivateList = "product-click-1764000000000";
    private const long DrainTime = 1_764_000_000_123;

    [Fact]
    public void WrittenElement_ParsesBackToTheSameClick()
    {
        var click = new Click("0195f3c4-id", 42, 7, 1_764_000_000_000);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            StagedElement.Write(writer, click);
        }

        Assert.Equal("""{"id":"0195f3c4-id","uid":42,"pid":7,"ts":1764000000000}""", Encoding.UTF8.GetString(buffer.ToArray()));
        Assert.True(Parse(buffer.ToArray(), out var parsed, out _));
        Assert.Equal(click, parsed);
    }

    [Theory]
    [InlineData("""{"uid":1,"pid":2}""", 1, 2)]
    [InlineData("""{"pid":2,"uid":1}""", 1, 2)]
    [InlineData("""{"uid":"1","pid":"2"}""", 1, 2)]
    [InlineData("""{"uid":1,"pid":2,"extra":{"nested":[1,2,3]}}""", 1, 2)]
    [InlineData(""" { "uid" : 9223372036854775807 , "pid" : 0 } """, long.MaxValue, 0)]
    public void SeedFormat_GetsAnIdFromItsPlace_AndTheDrainsTime(string element, long uid, long pid)
    {
        Assert.True(Parse(element, out var click, out var error), error);

        Assert.Equal(new Click($"{PrivateList}:5", uid, pid, DrainTime), click);
    }

    [Theory]
    [InlineData("", "malformed JSON")]
    [InlineData("garbage", "malformed JSON")]
    [InlineData("[1,2]", "not a JSON object")]
    [InlineData("""{"uid":1,"pid":2""", "malformed JSON")]
    [InlineData("""{"uid":1,"pid":2} trailing""", "malformed JSON")]
    [InlineData("""{"uid":1,"pid":2}{}""", "malformed JSON")]
    [InlineData("\"just a string\"", "not a JSON object")]
    [InlineData("""{"uid":1}""", "pid is missing")]
    [InlineData("""{"pid":1}""", "uid is missing")]
    [InlineData("""{"uid":-1,"pid":2}""", "uid must be")]
    [InlineData("""{"uid":1.5,"pid":2}""", "uid must be")]
    [InlineData("""{"uid":1,"pid":"2x"}""", "pid must be")]
    [InlineData("""{"uid":1,"pid":99999999999999999999}""", "pid must be")]
    [InlineData("""{"uid":1,"pid":true}""", "pid must be")]
    [InlineData("""{"uid":1,"pid":2,"id":""}""", "id must be")]
    [InlineData("""{"uid":1,"pid":2,"id":7}""", "id must be")]
    [InlineData("""{"uid":1,"pid":2,"id":"a\u0001b"}""", "id must be")]
    [InlineData("""{"uid":1,"pid":2,"ts":"2026-11-27"}""", "ts must be")]
    public void BadElement_IsRejectedWithAReason(string element, string reason)
    {
        Assert.False(Parse(element, out _, out var error));
        Assert.StartsWith(reason, error);
    }

    [Fact]
    public void DeeplyNestedUnknownProperty_IsRejectedNotThrown()
    {
        var element = """{"uid":1,"pid":2,"x":""" + new string('[', 1000) + new string(']', 1000) + "}";

        Assert.False(Parse(element, out _, out var error));
        Assert.StartsWith("malformed JSON", error);
    }

    [Fact]
    public void InvalidUtf8_IsRejectedNotThrown()
    {
        byte[] element = [.. "{\"uid\":1,\"pid\":2,\"id\":\""u8, 0xC3, 0x28, .. "\"}"u8];

        Assert.False(Parse(element, out _, out var error));
        Assert.NotNull(error);
    }

    private static bool Parse(string element, out Click click, out string? error) =>
        Parse(Encoding.UTF8.GetBytes(element), out click, out error);

    private static bool Parse(byte[] element, out Click click, out string? error) =>
        StagedElement.TryParse(element, PrivateList, position: 5, DrainTime, out click, out error);
}
