using ClickOrleans.Tests.Infrastructure;

namespace ClickOrleans.Tests.Hosting;

public sealed class SiloStartupTests
{
    [Theory]
    [InlineData("Redis", "Postgres")]
    [InlineData("Postgres", "Redis")]
    public async Task MissingConnectionString_StopsTheSilo_NamingTheKey(string given, string missing)
    {
        var directory = Directory.CreateTempSubdirectory("clickorleans-silo-").FullName;
        await using var silo = HostProcess.Start("Silo", directory, new Dictionary<string, string?>
        {
            ["ConnectionStrings__" + missing] = null,
            ["ConnectionStrings__" + given] = "configured",
        });

        var exitCode = await silo.WaitForExitAsync();

        Assert.Equal(1, exitCode);
        Assert.Contains($"ConnectionStrings:{missing} is not set", silo.Output);
        Assert.Contains($"ConnectionStrings__{missing}", silo.Output);
        Directory.Delete(directory, recursive: true);
    }
}
