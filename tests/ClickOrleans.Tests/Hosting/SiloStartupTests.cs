using ClickOrleans.Tests.Infrastructure;

namespace ClickOrleans.Tests.Hosting;

/// <summary>A silo that cannot run as configured exits at start with code 1 and one line naming what to fix, no stack trace.</summary>
public sealed class SiloStartupTests
{
    [Theory]
    [InlineData("Redis", "Postgres")]
    [InlineData("Postgres", "Redis")]
    public async Task MissingConnectionString_StopsTheSilo_NamingTheKey(string given, string missing)
    {
        var (exitCode, output) = await RunUntilExitAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings__" + missing] = null,
            ["ConnectionStrings__" + given] = "configured",
        });

        Assert.Equal(1, exitCode);
        Assert.Contains($"ConnectionStrings:{missing} is not set", output);
        Assert.Contains($"ConnectionStrings__{missing}", output);
    }

    [Fact]
    public async Task InconsistentClicksSection_StopsTheSilo_NamingTheRule()
    {
        var (exitCode, output) = await RunUntilExitAsync(new Dictionary<string, string?>
        {
            // Never reached: the section is checked before anything connects.
            ["ConnectionStrings__Redis"] = "127.0.0.1:1",
            ["ConnectionStrings__Postgres"] = "Host=127.0.0.1;Port=1",
            ["Clicks__MaxBacklog"] = "100",
        });

        Assert.Equal(1, exitCode);
        Assert.Contains("Invalid setting (ClickOptions): Clicks:MaxBacklog (100) must be at least Clicks:MaxBatch (10000)", output);
        Assert.DoesNotContain("   at ", output);
    }

    [Fact]
    public async Task AWrongStreamDeclaration_StopsTheSilo_NamingTheSetting()
    {
        var (exitCode, output) = await RunUntilExitAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings__Redis"] = "127.0.0.1:1",
            ["ConnectionStrings__Postgres"] = "Host=127.0.0.1;Port=1",
            ["Streams__orders__Fields__total__Type"] = "float64",
            ["Streams__pageviews__Fields__url__Type"] = "text",
        });

        Assert.Equal(1, exitCode);
        Assert.DoesNotContain("Streams:orders", output);
        Assert.Contains("Invalid setting (StreamCatalog): Streams:pageviews:Fields:url:Type must be one of int64, float64, bool, string, timestamp, uuid, decimal; it is 'text'.", output);
        Assert.DoesNotContain("   at ", output);
    }

    private static async Task<(int ExitCode, string Output)> RunUntilExitAsync(IReadOnlyDictionary<string, string?> environment)
    {
        var directory = Directory.CreateTempSubdirectory("clickorleans-silo-").FullName;
        await using var silo = HostProcess.Start("Silo", directory, environment);
        var exitCode = await silo.WaitForExitAsync();
        Directory.Delete(directory, recursive: true);
        return (exitCode, silo.Output);
    }
}
