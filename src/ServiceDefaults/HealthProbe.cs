namespace ClickOrleans.Hosting;

/// <summary>
/// <c>&lt;host&gt; health-check [url]</c>: asks a running host's <c>/alive</c> and exits 0 or 1, so a container
/// image without curl can still have a health probe.
/// </summary>
public static class HealthProbe
{
    public const string Command = "health-check";

    public static bool IsRequested(string[] args) => args is [Command, ..];

    public static async Task<int> RunAsync(string[] args)
    {
        var url = args.Length > 1 ? args[1] : "http://127.0.0.1:8080/alive";
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        try
        {
            using var response = await http.GetAsync(url);
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            Console.Error.WriteLine($"{url}: {e.Message}");
            return 1;
        }
    }
}
