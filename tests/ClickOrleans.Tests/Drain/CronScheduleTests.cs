using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using ClickOrleans.Drain;
using ClickOrleans.Staging;
using ClickOrleans.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace ClickOrleans.Tests.Drain;

/// <summary>Clicks:DrainSchedule: which occurrence a drain is due for, as time goes by, and once for real.</summary>
public sealed partial class CronScheduleTests
{
    private static readonly DateTimeOffset Start = DateTimeOffset.Parse("2026-11-28T10:00:30Z", CultureInfo.InvariantCulture);

    [Fact]
    public void EveryMinute_IsDueOncePerMinute_AndMakesUpMissedMinutesWithOneDrain()
    {
        var schedule = Parse("* * * * *");
        var time = new FakeTimeProvider(Start);
        var fired = new List<DateTimeOffset>();
        DateTimeOffset? last = null;
        void Check()
        {
            if (schedule.Due(time.GetUtcNow(), last) is { } due)
            {
                fired.Add(due);
                last = due;
            }
        }

        Check();                                  // 10:00:30: the 10:00 occurrence
        Check();                                  // again: nothing more
        time.Advance(TimeSpan.FromSeconds(40));   // 10:01:10
        Check();
        time.Advance(TimeSpan.FromMinutes(3));    // 10:04:10, no silo ran meanwhile: 10:02 to 10:04, once
        Check();

        Assert.Equal(["10:00", "10:01", "10:04"], fired.Select(at => at.ToString("HH:mm", CultureInfo.InvariantCulture)));
        Assert.Equal(DateTimeOffset.Parse("2026-11-28T10:05:00Z", CultureInfo.InvariantCulture), schedule.Next(time.GetUtcNow()));
    }

    [Fact]
    public void NextOccurrence_FollowsTheTimeZone()
    {
        var schedule = Parse("0 9 * * *", "Europe/Berlin");

        // 09:00 in Berlin is 08:00 UTC in winter.
        Assert.Equal(DateTimeOffset.Parse("2026-11-29T08:00:00Z", CultureInfo.InvariantCulture), schedule.Next(Start));
        Assert.Equal(TimeSpan.FromDays(1), schedule.Interval(Start));
    }

    [Fact]
    public void SixFields_CountSeconds()
    {
        var schedule = Parse("*/3 * * * * *");

        Assert.Equal(Start.AddSeconds(3), schedule.Next(Start));
        Assert.Equal(TimeSpan.FromSeconds(3), schedule.Interval(Start));
    }

    [Theory]
    [InlineData("not a cron", "UTC")]
    [InlineData("* * * * *", "Nowhere/Atlantis")]
    public void BadScheduleOrZone_IsRefusedWithTheReason(string expression, string zone)
    {
        Assert.False(CronSchedule.TryParse(expression, zone, out _, out var error));
        Assert.False(string.IsNullOrWhiteSpace(error));
    }

    [Fact]
    public async Task AnOccurrence_IsClaimedOnce_EvenByTwoActivationsAtOnce_AndNeverAfterALaterOne()
    {
        await using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(TestServers.Redis);
        var schedule = new DrainScheduleState(redis.GetDatabase(), new StagingKeys(new TestData().StagingKey));
        var tenOClock = Start.AddSeconds(-30);

        // Two activations of one aggregator (a silo declared dead that still runs, and its successor) race for 10:00.
        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => schedule.ClaimOccurrenceAsync(tenOClock, Skew)));
        var late = await schedule.ClaimOccurrenceAsync(tenOClock.AddMinutes(-1), Skew); // a stale timer's 09:59

        Assert.Single(claims, claimed => claimed);
        Assert.False(late);
        Assert.True(await schedule.ClaimOccurrenceAsync(tenOClock.AddMinutes(1), Skew));
        Assert.Equal(tenOClock.AddMinutes(1), await schedule.LastOccurrenceAsync());
    }

    /// <summary>A silo whose clock jumped ahead claims no future occurrence: the real ones until then still drain.</summary>
    [Fact]
    public async Task AnOccurrenceAheadOfRedisClock_IsNotClaimed_AndTheRealOnesStillAre()
    {
        await using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(TestServers.Redis);
        var schedule = new DrainScheduleState(redis.GetDatabase(), new StagingKeys(new TestData().StagingKey));
        var now = DateTimeOffset.UtcNow;

        var ahead = await schedule.ClaimOccurrenceAsync(now.AddHours(1), Skew);
        var real = await schedule.ClaimOccurrenceAsync(now.AddSeconds(-1), Skew);

        Assert.False(ahead);
        Assert.True(real);
        Assert.Equal(now.AddSeconds(-1).ToUnixTimeMilliseconds(), (await schedule.LastOccurrenceAsync())?.ToUnixTimeMilliseconds());
    }

    [Fact]
    public async Task EmbeddedApi_WithASchedule_DrainsAtItsOccurrences()
    {
        var directory = Directory.CreateTempSubdirectory("clickorleans-cron-").FullName;
        await using var api = HostProcess.StartEmbeddedApi(EmbeddedPorts.Free(), directory, new Dictionary<string, string?>
        {
            ["Clicks__DrainSchedule"] = "*/3 * * * * *",
            ["Clicks__FlushSize"] = "0",
        });
        await api.WaitUntilRunningAsync();
        var data = new TestData();

        var batch = await api.Http.PostAsJsonAsync("/clicks/batch", Enumerable.Range(0, 10).Select(i => new { uid = data.Uid, pid = data.Pid(i) }));
        var sink = new SqliteSinkProbe(Path.Combine(directory, "data", "clicks.db"));
        var written = await Poll.UntilAsync(async () => await DrainedAsync(sink, data.Uid), count => count == 10, TimeSpan.FromSeconds(30));

        Assert.Equal(HttpStatusCode.Accepted, batch.StatusCode);
        Assert.Equal(10, written);
        // The console logger writes from a queue of its own: the drain's line can arrive after its rows are visible.
        await api.WaitForOutputAsync("(Schedule, tick ");
        var ticks = ScheduledDrain().Matches(api.Output).Select(match => long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)).ToArray();
        Assert.NotEmpty(ticks);
        Assert.All(ticks, tick => Assert.Equal(0, tick % 3000)); // named after its occurrence: a whole multiple of 3 s
        await api.InterruptAsync();
        Directory.Delete(directory, recursive: true);
    }

    private static async Task<int> DrainedAsync(SqliteSinkProbe sink, long uid)
    {
        try
        {
            return (await sink.ClickIdsAsync(uid)).Count;
        }
        catch (Microsoft.Data.Sqlite.SqliteException)
        {
            return 0; // the file is not there yet
        }
    }

    private static readonly TimeSpan Skew = TimeSpan.FromMinutes(5);

    private static CronSchedule Parse(string expression, string zone = "UTC") =>
        CronSchedule.TryParse(expression, zone, out var schedule, out var error) ? schedule! : throw new ArgumentException(error);

    [GeneratedRegex(@"Draining product-click-staging \(Schedule, tick (\d+)\)")]
    private static partial Regex ScheduledDrain();
}
