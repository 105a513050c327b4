using System.Text;
using StackExchange.Redis;

namespace ClickOrleans.Tests.Drain;

/// <summary>
/// Elements another producer might push straight to Redis that are not valid clicks, one per category the drain must
/// turn into a dead letter: timestamps out of range, numbers past the columns, bad ids, invalid UTF-8, wrong types,
/// broken JSON, and sizes no click has.
/// </summary>
internal static class HostileElements
{
    public static IReadOnlyList<(string Category, RedisValue Element)> For(long uid, DateTimeOffset now)
    {
        var hourAhead = now.AddHours(1).ToUnixTimeMilliseconds();
        return
        [
            ("ts in the year 31 million", $$"""{"uid":{{uid}},"pid":1,"ts":1000000000000000000}"""),
            ("ts before 1970", $$"""{"uid":{{uid}},"pid":1,"ts":-1}"""),
            ("ts before year 1", $$"""{"uid":{{uid}},"pid":1,"ts":-62135596800001}"""),
            ("ts = Int64.MaxValue", $$"""{"uid":{{uid}},"pid":1,"ts":9223372036854775807}"""),
            ("ts an hour ahead", $$"""{"uid":{{uid}},"pid":1,"ts":{{hourAhead}}}"""),
            ("ts as a float", $$"""{"uid":{{uid}},"pid":1,"ts":1.7e12}"""),
            ("ts as a date string", $$"""{"uid":{{uid}},"pid":1,"ts":"2026-11-28T10:00:00Z"}"""),
            ("uid 2^63, past bigint", """{"uid":9223372036854775808,"pid":1}"""),
            ("uid negative", """{"uid":-1,"pid":1}"""),
            ("pid 20 digits", $$"""{"uid":{{uid}},"pid":99999999999999999999}"""),
            ("pid Int64.MinValue", $$"""{"uid":{{uid}},"pid":-9223372036854775808}"""),
            ("uid not a number", """{"uid":"12a","pid":1}"""),
            ("pid a boolean", $$"""{"uid":{{uid}},"pid":true}"""),
            ("uid null", """{"uid":null,"pid":1}"""),
            ("pid missing", $$"""{"uid":{{uid}}}"""),
            ("id empty", $$"""{"id":"","uid":{{uid}},"pid":1}"""),
            ("id of 65 characters", $$"""{"id":"{{new string('a', 65)}}","uid":{{uid}},"pid":1}"""),
            ("id with NUL", $$"""{"id":"a\u0000b","uid":{{uid}},"pid":1}"""),
            ("id with a lone surrogate", $$"""{"id":"a\ud800b","uid":{{uid}},"pid":1}"""),
            ("id a number", $$"""{"id":7,"uid":{{uid}},"pid":1}"""),
            ("id invalid UTF-8", (byte[])[.. "{\"id\":\"a"u8, 0xC3, 0x28, .. Encoding.UTF8.GetBytes($"\",\"uid\":{uid},\"pid\":1}}")]),
            ("invalid UTF-8 outside strings", (byte[])[0x7B, 0xFF, 0xFE, 0x7D]),
            ("not JSON", "garbage"),
            ("a JSON array", "[1,2]"),
            ("a JSON string", "\"click\""),
            ("truncated JSON", $$"""{"uid":{{uid}},"pid":1"""),
            ("trailing data", $$"""{"uid":{{uid}},"pid":1} {"uid":1}"""),
            ("1000 levels of nesting", $$"""{"uid":{{uid}},"pid":1,"x":""" + new string('[', 1000) + new string(']', 1000) + "}"),
            ("empty element", ""),
            ("100 KB of garbage", new string('z', 100_000)),
        ];
    }
}
