using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;

namespace ClickOrleans.Streams;

/// <summary>The type of a stream's field: how it is validated, staged and stored.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<FieldType>))]
[SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "The members are the type names fields are declared with.")]
public enum FieldType
{
    /// <summary>A 64-bit integer: <c>bigint</c> on PostgreSQL, <c>INTEGER</c> on SQLite.</summary>
    [JsonStringEnumMemberName("int64")]
    Int64,

    /// <summary>A 64-bit floating-point number (finite): <c>double precision</c> on PostgreSQL, <c>REAL</c> on SQLite.</summary>
    [JsonStringEnumMemberName("float64")]
    Float64,

    /// <summary><c>true</c> or <c>false</c>.</summary>
    [JsonStringEnumMemberName("bool")]
    Bool,

    /// <summary>Text of at most its <c>MaxLength</c> characters (Unicode code points).</summary>
    [JsonStringEnumMemberName("string")]
    String,

    /// <summary>An RFC 3339 time with an offset at the Api, Unix milliseconds on the staging list: <c>timestamptz</c> on PostgreSQL.</summary>
    [JsonStringEnumMemberName("timestamp")]
    Timestamp,

    /// <summary>A UUID as 8-4-4-4-12 hexadecimal digits (any case; stored and staged lower-case): <c>uuid</c> on PostgreSQL, <c>TEXT</c> on SQLite.</summary>
    [JsonStringEnumMemberName("uuid")]
    Uuid,

    /// <summary>
    /// An exact decimal number of at most <c>Precision</c> digits, <c>Scale</c> of them after the point (a JSON number
    /// with no more fractional digits): <c>numeric(p,s)</c> on PostgreSQL, its exact text on SQLite.
    /// </summary>
    [JsonStringEnumMemberName("decimal")]
    Decimal,
}
