namespace ClickOrleans.Drain;

/// <summary>Which sink partition a product's clicks go to: stable across processes and releases.</summary>
public static class SinkPartition
{
    public static int Of(long pid, int partitions)
    {
        // MurmurHash3's 64-bit finalizer: sequential and clustered product ids still spread evenly.
        var x = (ulong)pid;
        x ^= x >> 33;
        x *= 0xff51afd7ed558ccdUL;
        x ^= x >> 33;
        x *= 0xc4ceb9fe1a85ec53UL;
        x ^= x >> 33;
        return (int)(x % (uint)partitions);
    }
}
