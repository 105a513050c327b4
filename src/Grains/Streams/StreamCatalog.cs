using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace ClickOrleans.Streams;

/// <summary>Every stream this deployment runs, by name: the built-in <c>clicks</c> stream.</summary>
public sealed class StreamCatalog(IOptions<ClickOptions> clicks)
{
    /// <summary>The configuration section streams are declared in, one entry per stream name.</summary>
    public const string Section = "Streams";

    /// <summary>The built-in <c>clicks</c> stream: the one <c>/clicks</c>, <c>/stats</c>, <c>/admin/drain</c> and <c>/admin/dead-letters</c> address.</summary>
    public StreamSchema Clicks { get; } = ClickStream.Schema(clicks.Value);

    public IReadOnlyList<StreamSchema> Streams => [Clicks];

    /// <summary>The stream of that name (exactly that case), or null.</summary>
    public StreamSchema? Find(string name) => Streams.FirstOrDefault(stream => string.Equals(stream.Name, name, StringComparison.Ordinal));

    /// <summary>
    /// Stops a host whose configuration declares streams, with what is wrong with each declaration, or, when nothing
    /// is, with the reason: this version checks declarations but stages, drains and stores the built-in <c>clicks</c>
    /// stream only, and a declaration it ignored would lose the events sent to it.
    /// </summary>
    /// <exception cref="OptionsValidationException">The <c>Streams</c> section declares a stream.</exception>
    public static void RefuseDeclarations(IConfiguration configuration, ClickOptions clicks)
    {
        var failures = new List<string>();
        var declared = StreamDeclarations.Read(configuration, clicks, failures);
        failures.AddRange(declared.Select(stream =>
            $"{Section}:{stream.Name}: the declaration is valid, but this version runs the built-in clicks stream only (GET /streams lists it); declared streams are not run yet, so nothing would be staged for it. Remove the setting."));
        if (failures.Count > 0)
        {
            throw new OptionsValidationException(Section, typeof(StreamCatalog), failures);
        }
    }
}
