using Microsoft.Extensions.Configuration;

namespace ClickOrleans.Hosting;

/// <summary>Defaults every host of the cluster shares, below every configuration source, so any of them can override.</summary>
public static class OrleansDefaults
{
    public const string ClusterId = "clickorleans";
    public const string ServiceId = "clickorleans";

    public static IConfigurationManager AddClickOrleansDefaults(this IConfigurationManager configuration)
    {
        configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource
        {
            InitialData =
            [
                new("Orleans:ClusterId", ClusterId),
                new("Orleans:ServiceId", ServiceId),
            ],
        });
        return configuration;
    }
}
