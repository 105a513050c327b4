using ClickOrleans.ClickLoad;

if (args is ["--help"] or ["-h"])
{
    Console.WriteLine(LoadOptions.Usage);
    return 0;
}

LoadOptions options;
try
{
    options = LoadOptions.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(LoadOptions.Usage);
    return 2;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
var summary = await new LoadRunner(options).RunAsync(stop.Token);
Console.WriteLine(options.Json ? summary.ToJson() : summary.ToText());
return summary.Accepted > 0 ? 0 : 1;
