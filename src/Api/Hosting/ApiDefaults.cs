namespace ClickOrleans.Api.Hosting;

/// <summary>What the Api does when nothing is configured.</summary>
internal static class ApiDefaults
{
    /// <summary>The loopback port the Api listens on when no ASP.NET Core setting says where (see <c>HostUrls</c>).</summary>
    public const int Port = 5080;
}
