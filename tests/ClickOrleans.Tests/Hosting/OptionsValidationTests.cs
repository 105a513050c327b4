using ClickOrleans.Api.Embedded;
using ClickOrleans.Api.Security;
using ClickOrleans.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ClickOrleans.Tests.Hosting;

/// <summary>Every section is checked at start by its generated validator: each field's range, and the rules across fields.</summary>
/// <remarks>How a silo with a broken rule stops: <see cref="SiloStartupTests"/>.</remarks>
public sealed class OptionsValidationTests
{
    [Theory]
    [InlineData("MaxBacklog=5000", "Clicks:MaxBacklog (5000) must be at least Clicks:MaxBatch (10000)")]
    [InlineData("MaxBacklog=40000;MaxBatch=100", "Clicks:MaxBacklog (40000) must be above Clicks:FlushSize (50000)")]
    [InlineData("MaxClientIds=100", "Clicks:MaxClientIds (100) must be at least Clicks:MaxBatch (10000)")]
    [InlineData("Shards=0", "Shards")]
    [InlineData("ChunkSize=2000000", "ChunkSize")]
    [InlineData("Staging:Replicas=17", "Replicas")]
    [InlineData("DrainSchedule=every minute", "Clicks:DrainSchedule")]
    [InlineData("StagingKey=a b", "Clicks:StagingKey must be")]
    [InlineData("SinkRetries=10", "must stay under the drain's 00:03:00 wait for a sink call")]
    [InlineData("SinkAttemptTimeout=00:00:30", "must stay under the drain's 00:03:00 wait for a sink call")]
    public void ClickOptions_BreakingARule_FailsNamingTheRule(string settings, string rule)
    {
        var failure = Assert.Throws<OptionsValidationException>(() => Bind<ClickOptions, ClickOptionsValidator>(ClickOptions.Section, settings));

        Assert.Contains(failure.Failures, message => message.Contains(rule, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("")]
    [InlineData("MaxBacklog=0;MaxClientIds=0;MaxBatch=1000000")]
    [InlineData("FlushSize=0;MaxBacklog=10000")]
    [InlineData("MaxBacklog=60000;FlushSize=50000;MaxBatch=10000")]
    [InlineData("DrainSchedule=*/5 * * * *;DrainScheduleTimeZone=Europe/Berlin")]
    [InlineData("SinkRetries=10;SinkAttemptTimeout=00:00:02")]
    public void ClickOptions_ConsistentSettings_Pass(string settings)
    {
        var options = Bind<ClickOptions, ClickOptionsValidator>(ClickOptions.Section, settings);

        Assert.Equal(StagingDefaults.StagingKey, options.StagingKey);
    }

    [Theory]
    [InlineData("Keys:0:Name=shop;Keys:0:Key=k;Keys:0:KeyHash=00;Keys:0:Scopes:0=ingest", "Api:Keys:0 needs exactly one of Key and KeyHash.")]
    [InlineData("Keys:0:Name=shop;Keys:0:KeyHash=abc;Keys:0:Scopes:0=ingest", "Api:Keys:0:KeyHash must be the SHA-256")]
    [InlineData("Keys:0:Name=shop;Keys:0:Key=k;Keys:0:Scopes:0=write", "Api:Keys:0:Scopes must be one or more of")]
    [InlineData("Keys:0:Key=k;Keys:0:Scopes:0=ingest", "Api:Keys:0:Name is required.")]
    [InlineData("Keys:0:Name=shop;Keys:0:Key=abc;Keys:0:Scopes:0=ingest", "Api:Keys:0:Key must be at least 16 characters")]
    [InlineData("Burst=0", "Burst")]
    public void ApiKeyOptions_BreakingARule_FailsNamingTheRule(string settings, string rule)
    {
        var failure = Assert.Throws<OptionsValidationException>(() => Bind<ApiKeyOptions, ApiKeyOptionsValidator>(ApiKeyOptions.Section, settings));

        Assert.Contains(failure.Failures, message => message.Contains(rule, StringComparison.Ordinal));
    }

    [Fact]
    public async Task EmbeddedApi_WithAnInvalidEmbeddedSection_ExitsAtStart_NamingTheField()
    {
        var directory = Directory.CreateTempSubdirectory("clickorleans-api-").FullName;
        await using var api = HostProcess.StartEmbeddedApi(EmbeddedPorts.Free(), directory, new Dictionary<string, string?>
        {
            ["Clicks__Embedded__RedisPort"] = "70000",
        });

        var exitCode = await api.WaitForExitAsync();

        Assert.Equal(1, exitCode);
        Assert.Contains($"Invalid setting ({nameof(EmbeddedRedisOptions)})", api.Output);
        Assert.Contains("RedisPort", api.Output);
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task EmbeddedApi_WithAWrongStreamDeclaration_ExitsAtStart_NamingIt()
    {
        var directory = Directory.CreateTempSubdirectory("clickorleans-api-").FullName;
        await using var api = HostProcess.StartEmbeddedApi(EmbeddedPorts.Free(), directory, new Dictionary<string, string?>
        {
            ["Streams__clicks__Fields__referrer__Type"] = "text",
        });

        var exitCode = await api.WaitForExitAsync();

        Assert.Equal(1, exitCode);
        Assert.Contains("Invalid setting (StreamCatalog): Streams:clicks:Fields:referrer:Type must be one of int64, float64, bool, string, timestamp, uuid, decimal; it is 'text'.", api.Output);
        Directory.Delete(directory, recursive: true);
    }

    private static TOptions Bind<TOptions, TValidator>(string section, string settings)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        var values = settings.Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(setting => setting.Split('=', 2))
            .ToDictionary(pair => $"{section}:{pair[0]}", pair => (string?)pair[1]);
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
        services.AddValidatedOptions<TOptions, TValidator>(section);
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<TOptions>>().Value;
    }
}
