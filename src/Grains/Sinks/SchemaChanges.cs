using ClickOrleans.Streams;

namespace ClickOrleans.Sinks;

/// <summary>What a host that stops for a changed declaration tells its operator: what was, what is, what changed and what to run.</summary>
internal static class SchemaChanges
{
    public static string Describe(StreamSchema stream, string recorded, SchemaEvolution evolution, string table, string dropSql) =>
        $"Streams:{stream.Name} is not the schema its table {table} was created with: it was [{recorded}], it is declared "
        + $"[{SchemaVersion.Of(stream).Definition}]. {string.Join("; ", evolution.Refused)}. "
        + "Only new optional fields, rollups and indexes, changed bounds and Extra from Reject to Keep are applied at start: restore the declaration, or, once the stream is drained, "
        + $"drop its table and its record and start again ({dropSql}).";
}
