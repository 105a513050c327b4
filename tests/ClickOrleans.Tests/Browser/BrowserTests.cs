using System.Net.Http.Json;
using ClickOrleans.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace ClickOrleans.Tests.Browser;

/// <summary>
/// The pages people look at, in a real headless Chromium driven by Playwright: the Orleans dashboard shows the
/// pipeline's grains, the Scalar reference shows the click endpoints. Screenshots go to <c>artifacts/</c> beside the
/// test assembly (and to <c>CLICKORLEANS_SCREENSHOTS</c> when set, which is how <c>docs/</c> gets them).
/// </summary>
[Trait("Category", "Browser")]
public sealed class BrowserTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Chromium = "/usr/bin/chromium";
    private readonly string _directory = Directory.CreateTempSubdirectory("clickorleans-browser-").FullName;
    private HostProcess? _api;
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public async Task InitializeAsync()
    {
        if (!File.Exists(Chromium))
        {
            return;
        }

        _api = HostProcess.StartEmbeddedApi(EmbeddedPorts.Free(), _directory);
        await _api.WaitUntilRunningAsync();
        // Activity to show: clicks staged and drained, so the aggregator and the sink workers are active.
        var data = new TestData();
        await _api.Http.PostAsJsonAsync("/clicks/batch", Enumerable.Range(0, 100).Select(i => new { uid = data.Uid, pid = data.Pid(i) }));
        await _api.Http.PostAsync("/admin/drain", null);
        _playwright = await Playwright.CreateAsync();
        // The flags keep Chromium off the network this machine has not got (its background services).
        _browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    [SkippableFact]
    public async Task Dashboard_ShowsTheAggregatorAndTheSinkGrainsWithTheirActivations()
    {
        RequireChromium();
        var page = await _browser!.NewPageAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 } });

        await page.GotoAsync(new Uri(_api!.Http.BaseAddress!, "/dashboard/").ToString());
        try
        {
            await page.GetByRole(AriaRole.Link, new() { Name = "Grains", Exact = true }).ClickAsync();
            await page.GetByText("AggregatorGrain").First.WaitForAsync(new() { Timeout = 60_000 });
            await page.GetByText("SinkGrain").First.WaitForAsync(new() { Timeout = 60_000 });
        }
        finally
        {
            await ScreenshotAsync(page, "dashboard.png");
        }

        // The "Activations by Type" table: one row per grain type, its activation count next to the name.
        foreach (var grain in new[] { "AggregatorGrain", "SinkGrain" })
        {
            var row = await page.Locator("tr").Filter(new() { HasText = grain }).First.InnerTextAsync();
            Assert.Matches($@"^\s*{grain}\s+[1-9]", row);
        }
    }

    [SkippableFact]
    public async Task ScalarReference_ShowsTheClickEndpoints()
    {
        RequireChromium();
        var page = await _browser!.NewPageAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 } });

        await page.GotoAsync(new Uri(_api!.Http.BaseAddress!, "/scalar").ToString());
        try
        {
            await page.GetByText("Stage one click").First.WaitForAsync(new() { Timeout = 60_000 });
        }
        finally
        {
            await ScreenshotAsync(page, "scalar.png");
        }

        var text = await page.InnerTextAsync("body");
        Assert.Contains("Stage a batch of clicks with one atomic LPUSH", text);
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (_api is not null)
        {
            await _api.DisposeAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }

    private static void RequireChromium()
    {
        if (!File.Exists(Chromium))
        {
            const string reason = "needs Debian's chromium (apt-get install chromium)";
            throw TestServers.IsCi ? new InvalidOperationException(reason) : new SkipException(reason);
        }
    }

    private async Task ScreenshotAsync(IPage page, string name)
    {
        var artifacts = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "artifacts")).FullName;
        var path = Path.Combine(artifacts, name);
        await page.ScreenshotAsync(new() { Path = path, FullPage = false });
        output.WriteLine($"screenshot: {path}");
        if (Environment.GetEnvironmentVariable("CLICKORLEANS_SCREENSHOTS") is { Length: > 0 } copies)
        {
            File.Copy(path, Path.Combine(Directory.CreateDirectory(copies).FullName, name), overwrite: true);
        }
    }
}
