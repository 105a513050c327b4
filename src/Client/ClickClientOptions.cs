using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace ClickOrleans.Client;

/// <summary>Where the Api is, how to authenticate, and how <see cref="ClickClient"/> batches what it tracks.</summary>
public sealed class ClickClientOptions
{
    public const string Section = "ClickOrleans";

    /// <summary>The Api's base address, e.g. <c>https://clicks.example.com</c>.</summary>
    [Required]
    public Uri? BaseAddress { get; set; }

    /// <summary>Sent as <c>X-Api-Key</c> when set (an <c>ingest</c> key to track, <c>read</c> to query).</summary>
    public string? ApiKey { get; set; }

    /// <summary>Clicks per <c>POST /clicks/batch</c>: a batch goes as soon as it is full …</summary>
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 500;

    /// <summary>… or this long after its first click was tracked.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Clicks tracked but not sent yet, at most: past it <see cref="ClickClient.TrackAsync"/> waits (back-pressure).</summary>
    [Range(1, 10_000_000)]
    public int MaxBuffered { get; set; } = 100_000;

    /// <summary>
    /// How long no batch is sent once three batches in a row failed for good (a 5xx past its attempts, a 404, a 413):
    /// batches tracked meanwhile are dropped and reported. Then one batch probes; its success closes the circuit.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.5", "01:00:00")]
    public TimeSpan CircuitBreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long disposing waits for the last clicks to be sent.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan DisposeTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>Checks the options at start, generated from their attributes.</summary>
[OptionsValidator]
public sealed partial class ClickClientOptionsValidator : IValidateOptions<ClickClientOptions>;
