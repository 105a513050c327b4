using System.Text;
using ClickOrleans.Api.Ingest;
using ClickOrleans.Drain;
using ClickOrleans.Staging;
using ClickOrleans.Streams;
using CsCheck;
using Microsoft.Extensions.Configuration;

namespace ClickOrleans.Tests.Ingest;

/// <summary>
/// Random bytes and random near-valid JSON thrown at the ingest body parser and at the staged-element parser:
/// nothing escapes, every outcome is an accepted click that obeys the rules or a clean rejection with a reason.
/// </summary>
[Trait("Category", "AnyRedis")]
public sealed class ParserFuzzTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
    private static readonly EventRules ClickRules = new(ClickStream.Schema(new ClickOptions()));

    // A validator per request, as the Api makes them (the rules are shared).
    private static IngestBody ClickBody => new(new EventValidator(ClickRules, Now, new ClickOptions()), "click");
    private static readonly ElementContext Context = new(ClickId.SeedOf("{product-click-staging}:private:1"), Now.ToUnixTimeMilliseconds(), Now.AddMinutes(5).ToUnixTimeMilliseconds());

    private static readonly Gen<string> Number = Gen.OneOf(
        Gen.Long.Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        Gen.Const("-0"), Gen.Const("1e3"), Gen.Const("1.5"), Gen.Const("99999999999999999999999"), Gen.Const("0x10"),
        Gen.Const("NaN"), Gen.Const("-9223372036854775809"), Gen.Const("9223372036854775807"));

    private static readonly Gen<string> Text = Gen.OneOf(
        Gen.String[Gen.Char, 0, 80].Select(s => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\""),
        Gen.Const("\"\\u0000\""), Gen.Const("\"\\ud800\""), Gen.Const("\"" + new string('x', 65) + "\""),
        Gen.Const("\"2026-11-27T12:00:00Z\""), Gen.Const("\"2026-13-45T99:00:00Z\""), Gen.Const("\"7\""));

    private static readonly Gen<string> Value = Gen.OneOf(Number, Text, Gen.Const("null"), Gen.Const("true"),
        Gen.Const("[]"), Gen.Const("{}"), Gen.Const("[1,[2,[3]]]"), Gen.Const("{\"a\":{\"b\":1}}"));

    private static readonly Gen<string> Property = Gen.OneOf(
        Gen.Const("uid"), Gen.Const("pid"), Gen.Const("id"), Gen.Const("ts"), Gen.Const("UID"), Gen.Const("extra"), Gen.Const(""));

    private static readonly Gen<string> NearValidObject =
        Gen.Select(Property, Value).Array[0, 6]
            .Select(pairs => "{" + string.Join(",", pairs.Select(p => $"\"{p.Item1}\":{p.Item2}")) + "}");

    // Near-valid JSON, sometimes cut short or with a byte flipped.
    private static readonly Gen<byte[]> NearValidJson =
        Gen.Select(NearValidObject, Gen.Int[0, 3], Gen.Int[0, 1000], Gen.Byte)
            .Select(t =>
            {
                var bytes = Encoding.UTF8.GetBytes(t.Item1);
                return t.Item2 switch
                {
                    0 when bytes.Length > 0 => bytes[..(t.Item3 % bytes.Length)],
                    1 when bytes.Length > 0 => bytes.Select((b, i) => i == t.Item3 % bytes.Length ? t.Item4 : b).ToArray(),
                    _ => bytes,
                };
            });

    private static readonly Gen<byte[]> AnyBody = Gen.OneOf(Gen.Byte.Array[0, 300], NearValidJson);

    [Fact]
    public void IngestClickParser_AcceptsOrRejectsCleanly()
    {
        AnyBody.Sample(body =>
        {
            var parsed = ClickBody.ReadOneAsync(new MemoryStream(body), CancellationToken.None).GetAwaiter().GetResult();
            AssertClean(parsed);
        }, iter: 20_000);
    }

    [Fact]
    public void IngestBatchParser_AcceptsOrRejectsCleanly()
    {
        var batch = Gen.OneOf(
            Gen.Byte.Array[0, 300],
            NearValidObject.Array[0, 5].Select(objects => Encoding.UTF8.GetBytes("[" + string.Join(",", objects) + "]")),
            NearValidJson.Select(json => (byte[])[(byte)'[', .. json, (byte)']']));
        batch.Sample(body =>
        {
            var parsed = ClickBody.ReadBatchAsync(new MemoryStream(body), maxBatch: 3, CancellationToken.None).GetAwaiter().GetResult();
            AssertClean(parsed);
            Assert.True(parsed.Events.Count <= 3);
        }, iter: 20_000);
    }

    [Fact]
    public void StagedClickParser_AcceptsOrRejectsCleanly()
    {
        AnyBody.Sample(element =>
        {
            var chunk = Parse(element, ClickRules, "{product-click-staging}:private:1");
            Assert.Equal(1, chunk.DeadLetters.Count + chunk.Rows.Count);
            if (chunk.Rows.Count == 1)
            {
                Assert.True(chunk.Rows.Longs[0] >= 0 && chunk.Rows.Longs[1] >= 0);
                Assert.InRange(chunk.Rows.Timestamps[0], ClickOrleans.Staging.ClickRules.EarliestTimestampMs, Context.LatestTimestampMs);
                Assert.True(chunk.Rows.ClientIds[0] is null || ClickOrleans.Staging.ClickRules.IsValidId(chunk.Rows.ClientIds[0]));
            }
            else
            {
                Assert.False(string.IsNullOrWhiteSpace(DeadLetter.Read(chunk.DeadLetters[0]).Reason));
            }
        }, iter: 20_000);
    }

    [Fact]
    public void DeclaredStreamParsers_AtTheApiAndTheDrain_AcceptOrRejectCleanly()
    {
        var streams = StreamCatalog.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Streams:orders:Fields:customer:Type"] = "string",
            ["Streams:orders:Fields:customer:Required"] = "true",
            ["Streams:orders:Fields:total:Type"] = "float64",
            ["Streams:orders:Fields:total:Min"] = "0",
            ["Streams:orders:Fields:uid:Type"] = "int64",
            ["Streams:orders:Fields:paid:Type"] = "bool",
            ["Streams:orders:Fields:ts2:Type"] = "timestamp",
            ["Streams:orders:Fields:ref:Type"] = "uuid",
            ["Streams:orders:Fields:fee:Type"] = "decimal",
            ["Streams:orders:Fields:fee:Precision"] = "6",
            ["Streams:orders:Fields:fee:Scale"] = "2",
            ["Streams:orders:Rollups:per_customer:Bucket"] = "PT1H",
            ["Streams:orders:Rollups:per_customer:By:0"] = "customer",
        }).Build(), new ClickOptions());
        var rules = streams.RulesOf(streams.Declared[0]);
        var property = Gen.OneOf(Property, Gen.Const("customer"), Gen.Const("total"), Gen.Const("paid"), Gen.Const("ts2"), Gen.Const("ref"), Gen.Const("fee"), Gen.Const("\\ud800"));
        var value = Gen.OneOf(Value, Gen.Const("1234.56"), Gen.Const("0.005"), Gen.Const("1e3"), Gen.Const("\"0F8FAD5B-D9CB-469F-A165-70867728950E\""), Gen.Const("\"{0f8fad5b-d9cb-469f-a165-70867728950e}\""));
        var objects = Gen.Select(property, value).Array[0, 6]
            .Select(pairs => Encoding.UTF8.GetBytes("{" + string.Join(",", pairs.Select(p => $"\"{p.Item1}\":{p.Item2}")) + "}"));

        Gen.OneOf(AnyBody, objects).Sample(element =>
        {
            // A validator per request, as the Api makes them (the rules are shared).
            var body = new IngestBody(new EventValidator(rules, Now, new ClickOptions()), "event");
            var parsed = body.ReadOneAsync(new MemoryStream(element), CancellationToken.None).GetAwaiter().GetResult();
            Assert.True(parsed.IsAccepted ? parsed.Events.Count == 1 : !string.IsNullOrWhiteSpace(parsed.Detail));
            var chunk = Parse(element, rules, "{orders-staging}:private:1");
            Assert.Equal(1, chunk.DeadLetters.Count + chunk.Partitions.Sum(events => events?.Length ?? 0));
            AssertStagedAsRead(parsed, rules);
        }, iter: 20_000);
    }

    private static void AssertClean(ParsedBody parsed)
    {
        if (parsed.IsAccepted)
        {
            Assert.NotEmpty(parsed.Events);
            AssertStagedAsRead(parsed, ClickRules);
        }
        else
        {
            Assert.Empty(parsed.Events);
            Assert.False(string.IsNullOrWhiteSpace(parsed.Detail));
        }
    }

    /// <summary>What the Api stages, the drain accepts.</summary>
    private static void AssertStagedAsRead(ParsedBody parsed, EventRules rules)
    {
        foreach (var staged in parsed.Events)
        {
            Assert.True(ClickOrleans.Staging.ClickRules.IsValidId(staged.Id));
            var chunk = Parse((byte[])staged.Element!, rules, "{any-staging}:private:1");
            Assert.Empty(chunk.DeadLetters);
        }
    }

    private static EventChunk Parse(byte[] element, EventRules rules, string privateList) =>
        EventChunk.Parse(
            ChunkElements.Parse(0, element, element.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), "", []),
            rules, privateList, Context, 4, rules.PartitionedBy);
}
