using System.Buffers.Binary;
using System.IO.Hashing;
using System.Security.Cryptography;
using System.Text;

namespace ClickOrleans.Staging;

/// <summary>
/// Event ids as the sinks store them: a 16-byte UUID. The Api's own ids are UUIDv7 in lower-case hex ("N" format) and
/// are stored as they are; any other client-given id is stored as the MD5 of its UTF-8 text (as PostgreSQL's
/// <c>md5(id)::uuid</c>) beside the id itself; an element pushed without an id gets one derived from its private list
/// and position, so a replay of that list derives the same ids.
/// </summary>
public static class ClickId
{
    /// <summary>A new, time-ordered id for a click the client sent without one.</summary>
    public static string New() => Guid.CreateVersion7().ToString("N");

    /// <summary>The id as the query API returns it: lower-case hex without dashes.</summary>
    public static string Format(Guid id) => id.ToString("N");

    /// <summary>Reads an id that is exactly 32 lower-case hex digits; any other text is a client's own id.</summary>
    public static bool TryParseHex(ReadOnlySpan<byte> utf8, out Guid id)
    {
        id = default;
        if (utf8.Length != 32)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[16];
        for (var i = 0; i < 16; i++)
        {
            var high = LowerHexValue(utf8[2 * i]);
            var low = LowerHexValue(utf8[2 * i + 1]);
            if ((high | low) < 0)
            {
                return false;
            }

            bytes[i] = (byte)(high << 4 | low);
        }

        id = new Guid(bytes, bigEndian: true);
        return true;
    }

    /// <summary>The stored id of a client-given id that is not 32 lower-case hex digits.</summary>
    public static Guid FromClientId(string clientId)
    {
        Span<byte> hash = stackalloc byte[16];
#pragma warning disable CA5351 // a name-based id (as UUIDv3 is), not a secret: MD5's 16 bytes are the Guid, and stored ids depend on them
        MD5.HashData(Encoding.UTF8.GetBytes(clientId), hash);
#pragma warning restore CA5351
        return new Guid(hash, bigEndian: true);
    }

    /// <summary>The first half of the ids derived from a private list's positions; computed once per list.</summary>
    public static ulong SeedOf(string privateList) => XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(privateList));

    /// <summary>The id of the element at <paramref name="position"/> of the private list with this seed.</summary>
    public static Guid FromPosition(ulong seed, long position)
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, seed);
        BinaryPrimitives.WriteInt64BigEndian(bytes[8..], position);
        // RFC 9562 version 8 (custom) and variant bits: a derived id never equals a UUIDv7 of the Api.
        bytes[6] = (byte)(bytes[6] & 0x0F | 0x80);
        bytes[8] = (byte)(bytes[8] & 0x3F | 0x80);
        return new Guid(bytes, bigEndian: true);
    }

    private static int LowerHexValue(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        _ => -1,
    };
}
