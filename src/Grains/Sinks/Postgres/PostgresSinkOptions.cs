using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace ClickOrleans.Sinks.Postgres;

/// <summary>The PostgreSQL sink; the connection string is <c>ConnectionStrings:Postgres</c>.</summary>
public sealed class PostgresSinkOptions
{
    public const string Section = "Clicks:Postgres";

    /// <summary>The schema holding <c>clicks</c> and <c>product_clicks_minute</c>; created if missing.</summary>
    [Required, RegularExpression("^[a-z_][a-z0-9_]{0,62}$", ErrorMessage = "Clicks:Postgres:Schema must be a lower-case SQL identifier.")]
    public string Schema { get; set; } = "public";

    /// <summary>How often each silo drops the day partitions past their stream's <c>Retention</c> (<see cref="PostgresRetentionService"/>).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "Clicks:Postgres:RetentionCheckPeriod must be from 00:00:01 to 1.00:00:00.")]
    public TimeSpan RetentionCheckPeriod { get; set; } = TimeSpan.FromHours(1);
}

[OptionsValidator]
public sealed partial class PostgresSinkOptionsValidator : IValidateOptions<PostgresSinkOptions>;
