using System.Diagnostics;
using ClickOrleans.Tests.Infrastructure;

namespace ClickOrleans.Tests.Hosting;

public sealed class SiloStartupTests
{
    [Theory]
    [InlineData("Redis", "Postgres")]
    [InlineData("Postgres", "Redis")]
    public async Task MissingConnectionString_StopsTheSilo_NamingTheKey(string given, string missing)
    {
        var start = new ProcessStartInfo("dotnet", [BuiltHost.PathOf("Silo")])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        start.Environment.Remove("ConnectionStrings__" + missing);
        start.Environment["ConnectionStrings__" + given] = "configured";
        using var silo = Process.Start(start)!;

        var error = await silo.StandardError.ReadToEndAsync();
        await silo.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, silo.ExitCode);
        Assert.Contains($"ConnectionStrings:{missing} is not set", error);
        Assert.Contains($"ConnectionStrings__{missing}", error);
    }
}
