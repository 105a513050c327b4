using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ClickOrleans.Drain;
using ClickOrleans.Staging;
using ClickOrleans.Streams;
using ClickOrleans.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace ClickOrleans.Tests.Drain;

/// <summary>
/// No element, refusal, race or loss may stall the drain, lose a click or count one twice: hostile producers, a store
/// that refuses a row, two drains of one list, a replay under other settings, a list deleted behind the drain's back,
/// and a stall that must show in /health. Run once per sink.
/// </summary>
public abstract class DrainProtocolTests(ClusterFixture cluster, ITestOutputHelper output)
{
    [SkippableFact]
    public async Task HostileElements_BecomeDeadLettersWithTheirReason_AndEveryGoodClickIsWrittenOnce()
    {
        cluster.Require();
        var data = new TestData();
        var hostile = HostileElements.For(data.Uid + 1, DateTimeOffset.UtcNow);
        var good = data.SeedElements(500);
        await cluster.Redis.ListLeftPushAsync(data.StagingKey, [.. good[..250], .. hostile.Select(h => h.Element), .. good[250..]]);

        var result = await cluster.Aggregator(data).Drain();

        Assert.Equal((good.Length + hostile.Count, good.Length, hostile.Count, 0), (result.Elements, result.Written, result.Dead, result.Skipped));
        Assert.Equal(good.Length, (await cluster.Probe.ClickIdsAsync(data.Uid)).Count);
        Assert.Empty(await cluster.Probe.ClickIdsAsync(data.Uid + 1));
        var letters = await new DeadLetters(cluster.Redis, Keys(data)).ReadAsync(1000);
        Assert.Equal(hostile.Count, letters.Length);
        for (var i = 0; i < hostile.Count; i++)
        {
            Assert.Equal(250 + i, letters[i].Position);
            Assert.Equal(hostile[i].Element, letters[i].ElementValue);
            Assert.False(string.IsNullOrWhiteSpace(letters[i].Reason));
            output.WriteLine($"{hostile[i].Category}: {letters[i].Reason}");
        }

        var later = new TestData();
        await cluster.Redis.ListLeftPushAsync(data.StagingKey, later.SeedElements(50));
        await cluster.Aggregator(data).Drain();
        Assert.Equal(50, (await cluster.Probe.ClickIdsAsync(later.Uid)).Count);
        Assert.Empty(await PrivateLists(data).AllAsync());
        Assert.False(await cluster.Redis.KeyExistsAsync(data.StagingKey));
    }

    [SkippableFact]
    public async Task RowTheStoreRefuses_InAChunkOf20000_IsDeadLetteredWithTheStoresMessage_AndTheRestWrittenOnce()
    {
        cluster.Require();
        var data = new TestData();
        var poisonUid = data.Uid + 1;
        var elements = data.SeedElements(20_000);
        elements[12_345] = $$"""{"uid":{{poisonUid}},"pid":{{data.Pid(12_345)}}}""";
        await cluster.Redis.ListLeftPushAsync(data.StagingKey, elements);
        await cluster.Probe.InjectRefusalAsync(poisonUid);
        try
        {
            var result = await Drain(data, chunkSize: 20_000, partitions: 4).RunAsync(DrainTick.Now(TimeProvider.System), CancellationToken.None);

            Assert.Equal((1, 20_000, 19_999, 1), (result.Chunks, result.Elements, result.Written, result.Dead));
            Assert.Equal(19_999, (await cluster.Probe.ClickIdsAsync(data.Uid)).Count);
            Assert.Empty(await cluster.Probe.ClickIdsAsync(poisonUid));
            Assert.Equal(19_999, await cluster.Probe.MinuteClicksAsync(data.PidFrom, data.PidTo));
            var letter = Assert.Single(await new DeadLetters(cluster.Redis, Keys(data)).ReadAsync(10));
            Assert.Equal(12_345, letter.Position);
            Assert.StartsWith("refused by the sink: ", letter.Reason);
            Assert.Contains($"injected refusal for uid {poisonUid}", letter.Reason);
            output.WriteLine(letter.Reason);
        }
        finally
        {
            await cluster.Probe.RemoveFaultAsync(poisonUid);
        }
    }

    [SkippableFact]
    public async Task TwoDrainsOfOneList_WithDifferentChunkSizes_WriteEveryClickOnce()
    {
        cluster.Require();
        var data = new TestData();
        await cluster.Redis.ListLeftPushAsync(data.StagingKey, data.SeedElements(5000));
        await PrivateLists(data).TakeOverAsync(DrainTick.Now(TimeProvider.System), partitions: 4, TimeSpan.FromMinutes(5), PrivateList.ByEventId, ClickBatch.Rules.Version);

        var outcomes = await Task.WhenAll(RunUntilConflictAsync(Drain(data, chunkSize: 100, partitions: 4)), RunUntilConflictAsync(Drain(data, chunkSize: 70, partitions: 4)));

        output.WriteLine(string.Join("; ", outcomes.Select(o => o?.ToString() ?? "stopped by the other drain")));
        Assert.Contains(outcomes, outcome => outcome is not null);
        Assert.Equal(5000, (await cluster.Probe.ClickIdsAsync(data.Uid)).Count);
        Assert.Equal(5000, await cluster.Probe.MinuteClicksAsync(data.PidFrom, data.PidTo));
        Assert.Empty(await PrivateLists(data).AllAsync());
    }

    [SkippableFact]
    public async Task ChunkHalfWrittenBySomePartitions_ReplayedWithOtherChunkSizeAndPartitions_WritesEveryClickOnce()
    {
        cluster.Require();
        var data = new TestData();
        await cluster.Redis.ListLeftPushAsync(data.StagingKey, data.SeedElements(1000));
        var list = (await PrivateLists(data).TakeOverAsync(DrainTick.Now(TimeProvider.System), partitions: 4, TimeSpan.FromMinutes(5), PrivateList.ByEventId, ClickBatch.Rules.Version))!;
        // A drain that died mid-chunk: partitions 0 and 2 of the chunk [0, 300) are in the sink, nothing is committed in Redis.
        var elements = await PrivateLists(data).ReadAsync(list.Name, 0, 0, 300, maxElementBytes: 1024 * 1024, firstWindow: 1);
        var context = new ElementContext(ClickId.SeedOf(list.Name), list.TakenOverAtMs, list.TakenOverAtMs + 300_000);
        var chunk = EventChunk.Parse(elements, ClickBatch.Rules, list.Name, context, list.Partitions, list.PartitionedBy!);
        var written = 0;
        foreach (var partition in new[] { 0, 2 })
        {
            written += (await cluster.Grains.GetGrain<ISinkGrain>(0).WriteEvents(chunk.BatchOf(list.Name, partition))).Written;
        }

        var result = await Drain(data, chunkSize: 130, partitions: 7).RunAsync(DrainTick.Now(TimeProvider.System), CancellationToken.None);

        Assert.InRange(written, 1, 299);
        Assert.Equal((1000, 1000 - written, written), (result.Elements, result.Written, result.Skipped));
        Assert.Equal(1000, (await cluster.Probe.ClickIdsAsync(data.Uid)).Count);
        Assert.Equal(1000, await cluster.Probe.MinuteClicksAsync(data.PidFrom, data.PidTo));
    }

    /// <summary>
    /// A producer's elements far larger than any click are dead-lettered by reference (length, SHA-1, first bytes), never
    /// read whole into the silo; one read script looks at no more than its byte budget, however many of them wait.
    /// </summary>
    [SkippableFact]
    public async Task ElementsLargerThanMaxElementBytes_AreDeadLetteredByReference_AndReadsStayWithinTheirBudget()
    {
        cluster.Require();
        var data = new TestData();
        var large = System.Text.Encoding.ASCII.GetBytes(new string('L', 2 * 1024 * 1024));
        await cluster.Redis.ListLeftPushAsync(data.StagingKey, [.. data.SeedElements(100), .. Enumerable.Repeat((RedisValue)large, 40), .. data.SeedElements(100)]);
        var list = (await PrivateLists(data).TakeOverAsync(DrainTick.Now(TimeProvider.System), partitions: 4, TimeSpan.FromMinutes(5), PrivateList.ByEventId, ClickBatch.Rules.Version))!;

        var read = await PrivateLists(data).ReadAsync(list.Name, 0, 100, 20_000, maxElementBytes: 1024 * 1024, firstWindow: 1);
        var result = await Drain(data, chunkSize: 20_000, partitions: 4).RunAsync(DrainTick.Now(TimeProvider.System), CancellationToken.None);

        Assert.Equal(ClickOrleans.Staging.PrivateLists.MaxChunkBytes / large.Length, read.Count);
        Assert.All(Enumerable.Range(0, read.Count), i => Assert.Equal(large.Length, read.ReferenceOf(i)?.Size));
        Assert.Equal((240, 200, 40), (result.Elements, result.Written, result.Dead));
        Assert.Equal(200, (await cluster.Probe.ClickIdsAsync(data.Uid)).Count);
        var letters = await new DeadLetters(cluster.Redis, Keys(data)).ReadAsync(100);
        Assert.Equal(40, letters.Length);
#pragma warning disable CA5350 // the reference the drain writes is SHA-1 by design: a name, not a secret
        var sha1 = Convert.ToHexStringLower(System.Security.Cryptography.SHA1.HashData(large));
#pragma warning restore CA5350
        Assert.All(letters, letter => Assert.Contains($"element of {large.Length} bytes is larger than Clicks:MaxElementBytes: dead-lettered by reference (sha1 {sha1})", letter.Reason));
        Assert.All(letters, letter => Assert.Equal(new string('L', 64), letter.Element));
    }

    [SkippableFact]
    public async Task DeadLetters_PastMaxDeadLetters_DropTheOldest_AndCountWhatWasDropped()
    {
        cluster.Require();
        var data = new TestData();
        await cluster.Redis.ListLeftPushAsync(data.StagingKey, [.. Enumerable.Range(0, 15).Select(i => (RedisValue)$"not a click {i}"), .. data.SeedElements(5)]);
        await PrivateLists(data).TakeOverAsync(DrainTick.Now(TimeProvider.System), partitions: 4, TimeSpan.FromMinutes(5), PrivateList.ByEventId, ClickBatch.Rules.Version);

        var result = await Drain(data, chunkSize: 4, partitions: 4, maxDeadLetters: 10).RunAsync(DrainTick.Now(TimeProvider.System), CancellationToken.None);

        Assert.Equal((20, 5, 15), (result.Elements, result.Written, result.Dead));
        var letters = await new DeadLetters(cluster.Redis, Keys(data)).ReadAsync(100);
        Assert.Equal([.. Enumerable.Range(5, 10).Select(i => $"not a click {i}")], letters.Select(letter => letter.Element));
        Assert.Equal(5, (await new DrainStats(cluster.Redis, Keys(data)).ReadAsync(DateTimeOffset.UtcNow, false, null)).Totals.DeadDropped);
    }

    /// <summary>
    /// A list taken over by a drain under one Clicks:MaxClockSkew (then a crash) and finished by a drain under another
    /// judges each element as its take-over fixed: nothing skipped without a dead letter, nothing written and dead.
    /// </summary>
    [SkippableTheory]
    [InlineData(10, 1)]
    [InlineData(1, 10)]
    public async Task ElementsFate_IsFixedAtTheTakeOver_WhateverTheMaxClockSkewOfTheDrainThatFinishesIt(int takenOverWith, int finishedWith)
    {
        cluster.Require();
        var data = new TestData();
        var ahead = DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeMilliseconds();
        await cluster.Redis.ListLeftPushAsync(data.StagingKey, [.. data.SeedElements(99), $$"""{"uid":{{data.Uid}},"pid":{{data.PidFrom}},"ts":{{ahead}}}"""]);
        await PrivateLists(data).TakeOverAsync(DrainTick.Now(TimeProvider.System), partitions: 4, TimeSpan.FromMinutes(takenOverWith), PrivateList.ByEventId, ClickBatch.Rules.Version);

        var result = await Drain(data, chunkSize: 100, partitions: 4, maxClockSkew: TimeSpan.FromMinutes(finishedWith))
            .RunAsync(DrainTick.Now(TimeProvider.System), CancellationToken.None);

        var valid = takenOverWith > 5;
        Assert.Equal((100, valid ? 100 : 99, valid ? 0 : 1), (result.Elements, result.Written, result.Dead));
        Assert.Equal(valid ? 100 : 99, (await cluster.Probe.ClickIdsAsync(data.Uid)).Count);
    }

    /// <summary>The drain's clock is Redis': a silo whose clock is ten minutes behind the Api's drains what the Api stamped.</summary>
    [SkippableFact]
    public async Task DrainOnASiloWhoseClockIsBehind_WritesClicksStampedNow()
    {
        cluster.Require();
        var data = new TestData();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await cluster.Redis.ListLeftPushAsync(data.StagingKey, [.. Enumerable.Range(0, 100).Select(i =>
            (RedisValue)$$"""{"uid":{{data.Uid}},"pid":{{data.Pid(i)}},"ts":{{now}}}""")]);
        var behind = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow.AddMinutes(-10));

        var result = await Drain(data, chunkSize: 100, partitions: 4, time: behind).RunAsync(DrainTick.Now(behind), CancellationToken.None);

        Assert.Equal((100, 100, 0), (result.Elements, result.Written, result.Dead));
        Assert.Equal(100, (await cluster.Probe.ClickIdsAsync(data.Uid)).Count);
    }

    [SkippableFact]
    public async Task PrivateListDeletedBehindTheDrainsBack_IsReportedLost_InTheLogTheMetricAndStats()
    {
        cluster.Require();
        var data = new TestData();
        await cluster.Redis.ListLeftPushAsync(data.StagingKey, data.SeedElements(300));
        var list = (await PrivateLists(data).TakeOverAsync(DrainTick.Now(TimeProvider.System), partitions: 4, TimeSpan.FromMinutes(5), PrivateList.ByEventId, ClickBatch.Rules.Version))!;
        await cluster.Redis.KeyDeleteAsync(list.Name);
        var logger = new FakeLogger();
        using var meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meterFactory = meters.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        using var lost = new MetricCollector<long>(meterFactory, DrainTelemetry.Name, "clickorleans.drain.lost");

        var result = await Drain(data, 100, 4, logger, new DrainTelemetry(meterFactory, new StreamCatalog(new ClickOptions(), []))).RunAsync(DrainTick.Now(TimeProvider.System), CancellationToken.None);

        Assert.Equal(300, result.Lost);
        var error = Assert.Single(logger.Collector.GetSnapshot(), record => record.Level == LogLevel.Error);
        Assert.Contains(list.Name, error.Message);
        Assert.Contains("300", error.Message);
        Assert.Equal(300, lost.GetMeasurementSnapshot().EvaluateAsCounter());
        await using var api = cluster.Api(data.StagingKey);
        using var http = api.CreateClient();
        var stats = await http.GetFromJsonAsync<JsonElement>("/stats");
        Assert.Equal(list.Name, stats.GetProperty("lastLoss").GetProperty("name").GetString());
        Assert.Equal(300, stats.GetProperty("lastLoss").GetProperty("lost").GetInt64());
        Assert.Equal(300, stats.GetProperty("totals").GetProperty("lost").GetInt64());
        Assert.Empty(await PrivateLists(data).AllAsync());
    }

    [SkippableFact]
    public async Task TakeOver_RemovesAnExpiryTheStagingListHad_SoNoPrivateListExpires()
    {
        cluster.Require();
        var data = new TestData();
        await cluster.Redis.ListLeftPushAsync(data.StagingKey, data.SeedElements(10));
        await cluster.Redis.KeyExpireAsync(data.StagingKey, TimeSpan.FromHours(1));

        var list = await PrivateLists(data).TakeOverAsync(DrainTick.Now(TimeProvider.System), partitions: 4, TimeSpan.FromMinutes(5), PrivateList.ByEventId, ClickBatch.Rules.Version);

        Assert.Null(await cluster.Redis.KeyTimeToLiveAsync(list!.Name));
        await cluster.Aggregator(data).Drain();
    }

    [SkippableFact]
    public async Task StuckList_MakesHealthDegradedWithTheReason_AndStatsShowTheFailure_UntilItDrains()
    {
        cluster.Require();
        var data = new TestData();
        var poisonUid = data.Uid + 1;
        var elements = data.SeedElements(1000);
        elements[550] = $$"""{"uid":{{poisonUid}},"pid":{{data.Pid(550)}}}""";
        await cluster.Redis.ListLeftPushAsync(data.StagingKey, elements);
        await cluster.Probe.InjectFaultAsync(poisonUid);
        await using var api = cluster.Api(data.StagingKey);
        using var http = api.CreateClient();
        try
        {
            // Clicks:StallAfter defaults to three drain periods: three drains in a row failing is a stall.
            var failures = new List<HttpResponseMessage>();
            for (var i = 0; i < 3; i++)
            {
                Assert.StartsWith("Healthy", await http.GetStringAsync("/health"));
                failures.Add(await http.PostAsync("/admin/drain", null));
            }

            var failed = failures[^1];
            Assert.All(failures, response => Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode));
            Assert.Equal("application/problem+json", failed.Content.Headers.ContentType?.MediaType);
            Assert.NotNull(failed.Headers.RetryAfter);
            var problem = await failed.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("Drain failed", problem.GetProperty("title").GetString());
            Assert.Contains(cluster.Probe.FaultMessage(poisonUid), problem.GetProperty("detail").GetString());
            var health = await http.GetAsync("/health");
            var report = await health.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            Assert.StartsWith("Degraded", report);
            Assert.Contains($"The drain of {data.StagingKey} is stalled: 3 drains in a row failed", report);
            var stats = await http.GetFromJsonAsync<JsonElement>("/stats");
            Assert.Contains(cluster.Probe.FaultMessage(poisonUid), stats.GetProperty("lastFailure").GetProperty("reason").GetString());
            Assert.Equal(3, stats.GetProperty("failuresInARow").GetInt64());
            Assert.Contains("3 drains in a row failed", stats.GetProperty("stall").GetString());
            // What the failed drains committed counts: the first five chunks of 100.
            Assert.Equal(500, stats.GetProperty("totals").GetProperty("elements").GetInt64());
            Assert.Equal(3, stats.GetProperty("totals").GetProperty("failedDrains").GetInt64());
        }
        finally
        {
            await cluster.Probe.RemoveFaultAsync(poisonUid);
        }

        var drained = await http.PostAsync("/admin/drain", null);

        Assert.Equal(HttpStatusCode.OK, drained.StatusCode);
        Assert.Equal("Healthy", await http.GetStringAsync("/health"));
        Assert.Equal(1000, (await cluster.Probe.ClickIdsAsync(data.Uid)).Count + (await cluster.Probe.ClickIdsAsync(poisonUid)).Count);
    }

    [SkippableFact]
    public async Task PrivateListThatStopsAdvancing_IsAStall_WithoutAFailedDrain()
    {
        cluster.Require();
        var data = new TestData();
        await cluster.Redis.ListLeftPushAsync(data.StagingKey, data.SeedElements(10));
        var list = (await PrivateLists(data).TakeOverAsync(DrainTick.Now(TimeProvider.System), partitions: 4, TimeSpan.FromMinutes(5), PrivateList.ByEventId, ClickBatch.Rules.Version))!;
        await using var api = cluster.Api(data.StagingKey, ("Clicks:StallAfter", "00:00:01"));
        using var http = api.CreateClient();

        // Taken over, then nothing: the drain that took it over died, and no drain has come since.
        var report = await Poll.UntilAsync(() => http.GetStringAsync("/health"), text => text.StartsWith("Degraded", StringComparison.Ordinal), TimeSpan.FromSeconds(10));

        Assert.StartsWith("Degraded", report);
        Assert.Contains($"private list {list.Name} (10 elements left) has not advanced", report);
        await cluster.Aggregator(data).Drain();
        Assert.Equal("Healthy", await http.GetStringAsync("/health"));
    }

    /// <summary>Elements that wait on a staging list no drain takes over (no reminder, a stopped schedule) are a stall too, without any private list.</summary>
    [SkippableFact]
    public async Task ElementsWaitingWithoutATakeOver_AreAStall_WithoutAPrivateList()
    {
        cluster.Require();
        var data = new TestData();
        await cluster.Redis.ListLeftPushAsync(data.StagingKey, data.SeedElements(10));
        await using var api = cluster.Api(data.StagingKey, ("Clicks:StallAfter", "00:00:01"));
        using var http = api.CreateClient();

        var report = await Poll.UntilAsync(() => http.GetStringAsync("/health"), text => text.StartsWith("Degraded", StringComparison.Ordinal), TimeSpan.FromSeconds(10));

        Assert.StartsWith("Degraded", report);
        Assert.Contains("10 elements have waited on the staging list since", report);
        Assert.Empty(await PrivateLists(data).AllAsync());
        await cluster.Aggregator(data).Drain();
        Assert.Equal("Healthy", await http.GetStringAsync("/health"));
        Assert.False(await cluster.Redis.KeyExistsAsync(Keys(data).WaitingSince));
    }

    private async Task<DrainResult?> RunUntilConflictAsync(StagingDrain drain)
    {
        try
        {
            return await drain.RunAsync(DrainTick.Now(TimeProvider.System), CancellationToken.None);
        }
        catch (StagingConflictException)
        {
            return null;
        }
    }

    private StagingDrain Drain(
        TestData data, int chunkSize, int partitions, ILogger? logger = null, DrainTelemetry? telemetry = null, TimeSpan? maxClockSkew = null,
        TimeProvider? time = null, long maxDeadLetters = 1_000_000) =>
        new(PrivateLists(data),
            ClickBatch.Rules,
            cluster.Versions,
            new ClickOptions { ChunkSize = chunkSize, Partitions = partitions, MaxClockSkew = maxClockSkew ?? TimeSpan.FromMinutes(5), MaxDeadLetters = maxDeadLetters },
            cluster.Grains,
            telemetry ?? new DrainTelemetry(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), new StreamCatalog(new ClickOptions(), [])),
            time ?? TimeProvider.System, logger ?? new FakeLogger());

    private PrivateLists PrivateLists(TestData data) => new(cluster.Redis, Keys(data));

    private static StagingKeys Keys(TestData data) => new(data.StagingKey);
}

[Collection(SqliteClusterCollection.Name)]
public sealed class SqliteDrainProtocolTests(SqliteClusterFixture cluster, ITestOutputHelper output) : DrainProtocolTests(cluster, output);

[Collection(PostgresClusterCollection.Name)]
public sealed class PostgresDrainProtocolTests(PostgresClusterFixture cluster, ITestOutputHelper output) : DrainProtocolTests(cluster, output);
