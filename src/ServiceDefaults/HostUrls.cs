using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;

namespace ClickOrleans.Hosting;

/// <summary>
/// Where a host listens: where ASP.NET Core's own settings say — <c>ASPNETCORE_URLS</c>, <c>ASPNETCORE_HTTP_PORTS</c>,
/// <c>--urls</c>, <c>Urls</c>, <c>Kestrel:Endpoints</c> — and, only when none of them is set, on a loopback default.
/// </summary>
public static class HostUrls
{
    /// <summary>The addresses the settings name (HTTP ports as <c>http://*:port</c>), or null when they name none.</summary>
    public static string[]? Configured(IConfiguration configuration)
    {
        if (configuration.GetSection("Kestrel:Endpoints").Exists())
        {
            return [.. configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(endpoint => endpoint["Url"]).OfType<string>()];
        }

        if (configuration[WebHostDefaults.ServerUrlsKey] is { Length: > 0 } urls)
        {
            return urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }

        return configuration[WebHostDefaults.HttpPortsKey] is { Length: > 0 } ports
            ? [.. ports.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(port => $"http://*:{port}")]
            : null;
    }

    /// <summary>Listens on <c>http://127.0.0.1:<paramref name="port"/></c> unless the settings say where.</summary>
    public static WebApplicationBuilder UseLoopbackUnlessConfigured(this WebApplicationBuilder builder, int port)
    {
        if (Configured(builder.Configuration) is null)
        {
            builder.WebHost.UseUrls(Loopback(port));
        }

        return builder;
    }

    public static string Loopback(int port) => $"http://127.0.0.1:{port}";
}
