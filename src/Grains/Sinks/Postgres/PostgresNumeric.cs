using System.Buffers.Binary;

namespace ClickOrleans.Sinks.Postgres;

/// <summary>A .NET decimal in PostgreSQL's binary <c>numeric</c> form: exact, as the value's own digits and scale.</summary>
/// <remarks>
/// The form is four int16 — the number of base-10000 digits, the weight of the first (the power of 10000 it counts),
/// the sign (0 or 0x4000) and the display scale — then the digits, most significant first; trailing zero digits are
/// left out.
/// </remarks>
internal static class PostgresNumeric
{
    private const short Negative = 0x4000;

    /// <returns>The bytes written: at most 24.</returns>
    public static int Write(Span<byte> destination, decimal value)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        var scale = (bits[3] >> 16) & 0xFF;
        var negative = bits[3] < 0;
        var mantissa = ((UInt128)(uint)bits[2] << 64) | ((ulong)(uint)bits[1] << 32) | (uint)bits[0];

        // Align the point to a digit boundary: the fraction's digits come in whole groups of four.
        var padding = (4 - (scale % 4)) % 4;
        for (var i = 0; i < padding; i++)
        {
            mantissa *= 10;
        }

        Span<short> digits = stackalloc short[10];
        var count = 0;
        while (mantissa != 0)
        {
            digits[count++] = (short)(ulong)(mantissa % 10000);
            mantissa /= 10000;
        }

        var weight = count - ((scale + padding) / 4) - 1;
        var lowest = 0;
        while (lowest < count && digits[lowest] == 0)
        {
            lowest++;
        }

        var written = count - lowest;
        BinaryPrimitives.WriteInt16BigEndian(destination, (short)written);
        BinaryPrimitives.WriteInt16BigEndian(destination[2..], written == 0 ? (short)0 : (short)weight);
        BinaryPrimitives.WriteInt16BigEndian(destination[4..], negative && written > 0 ? Negative : (short)0);
        BinaryPrimitives.WriteInt16BigEndian(destination[6..], (short)scale);
        for (var i = 0; i < written; i++)
        {
            BinaryPrimitives.WriteInt16BigEndian(destination[(8 + (2 * i))..], digits[count - 1 - i]);
        }

        return 8 + (2 * written);
    }
}
