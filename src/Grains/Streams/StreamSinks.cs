using Microsoft.Extensions.Configuration;

namespace ClickOrleans.Streams;

/// <summary>
/// Where a stream's events go (<c>Streams:&lt;name&gt;:Sinks</c>): the deployment's store (<c>postgres</c> or
/// <c>sqlite</c>), which every stream is written to, and the Parquet archive (<c>parquet</c>) beside it.
/// </summary>
public static class StreamSinks
{
    public const string Postgres = "postgres";
    public const string Sqlite = "sqlite";
    public const string Parquet = "parquet";

    private static readonly string[] Names = [Postgres, Sqlite, Parquet];

    /// <summary>The sinks a stream lists, or null when it lists none (its store alone).</summary>
    public static IReadOnlyList<string>? Read(IConfigurationSection stream, string key, List<string> failures)
    {
        var section = stream.GetSection("Sinks");
        if (!section.Exists())
        {
            return null;
        }

        var listed = section.GetChildren().Select(child => child.Value ?? "").ToList();
        var sinks = listed.Count > 0 ? listed : [section.Value ?? ""];
        var before = failures.Count;
        foreach (var unknown in sinks.Where(sink => !Names.Contains(sink, StringComparer.Ordinal)))
        {
            failures.Add($"{key}:Sinks names '{unknown}'; a sink is one of {string.Join(", ", Names)}.");
        }

        if (sinks.Count != sinks.Distinct(StringComparer.Ordinal).Count())
        {
            failures.Add($"{key}:Sinks names a sink twice.");
        }

        if (sinks.Count(sink => sink is Postgres or Sqlite) != 1)
        {
            failures.Add($"{key}:Sinks must name the deployment's store once ({Postgres} or {Sqlite}): every stream is written to its table there, and {Parquet} archives it beside.");
        }

        return failures.Count > before ? null : sinks;
    }

    /// <summary>
    /// Stops a start whose streams name the other store than the one this deployment runs, or set a <c>Retention</c> on
    /// the embedded SQLite store, which has no partitions to drop.
    /// </summary>
    /// <param name="store">The deployment's store: <see cref="Postgres"/> or <see cref="Sqlite"/>.</param>
    public static void RequireStore(StreamCatalog catalog, string store)
    {
        var wrong = catalog.Streams.Where(stream => stream.Sinks is { } sinks && !sinks.Contains(store)).Select(stream => stream.Name).ToList();
        if (wrong.Count > 0)
        {
            throw new InvalidOperationException(
                $"Streams:<name>:Sinks of {string.Join(", ", wrong)} name{(wrong.Count == 1 ? "s" : "")} another store than this deployment's, which is {store} "
                + $"({(store == Postgres ? "ConnectionStrings:Postgres is set" : "no ConnectionStrings:Postgres is set")}).");
        }

        var retained = catalog.Streams.Where(stream => stream.Retention is not null).Select(stream => $"Streams:{stream.Name}:Retention").ToList();
        if (store == Sqlite && retained.Count > 0)
        {
            throw new InvalidOperationException(
                $"{string.Join(", ", retained)}: a retention drops the PostgreSQL store's day partitions; the embedded SQLite store (no ConnectionStrings:Postgres is set) keeps every event. "
                + "Remove the setting, or set ConnectionStrings:Postgres.");
        }
    }
}
