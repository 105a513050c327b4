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
}

[OptionsValidator]
public sealed partial class PostgresSinkOptionsValidator : IValidateOptions<PostgresSinkOptions>;
