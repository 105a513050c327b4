using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace ClickOrleans.Sinks.Sqlite;

/// <summary>The embedded SQLite sink, used when no PostgreSQL connection string is configured.</summary>
public sealed class SqliteSinkOptions
{
    public const string Section = "Clicks:Sqlite";

    /// <summary>The database file; its folder is created if missing.</summary>
    [Required]
    public string Path { get; set; } = "data/clicks.db";
}

[OptionsValidator]
public sealed partial class SqliteSinkOptionsValidator : IValidateOptions<SqliteSinkOptions>;
