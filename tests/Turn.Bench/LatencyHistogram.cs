using System.Numerics;

namespace Turn.Bench;

/// <summary>
/// Log-linear histogram of microsecond values: exact below 128 µs, then 64 sub-buckets per power of two
/// (relative error under 1.6 %). Fixed size, no allocation when recording.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int Linear = 128;
    private const int SubBuckets = 64;
    private readonly long[] _counts = new long[Linear + (58 * SubBuckets)];

    public long Count { get; private set; }

    public void Record(long micros)
    {
        if (micros < 0) micros = 0;
        _counts[Index(micros)]++;
        Count++;
    }

    public void Clear()
    {
        Array.Clear(_counts);
        Count = 0;
    }

    /// <summary>The value at quantile q (0..1), as the midpoint of its bucket; -1 when empty.</summary>
    public long Quantile(double q)
    {
        if (Count == 0) return -1;
        long rank = Math.Max(1, (long)Math.Ceiling(q * Count));
        long seen = 0;
        for (int i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank) return Midpoint(i);
        }
        return Midpoint(_counts.Length - 1);
    }

    private static int Index(long v)
    {
        if (v < Linear) return (int)v;
        int msb = 63 - BitOperations.LeadingZeroCount((ulong)v); // >= 7
        int shift = msb - 6;                                      // keep the top 7 bits
        long top = v >> shift;                                    // 64..127
        return Linear + ((shift - 1) * SubBuckets) + (int)(top - SubBuckets);
    }

    private static long Midpoint(int index)
    {
        if (index < Linear) return index;
        int rel = index - Linear;
        int shift = (rel / SubBuckets) + 1;
        long top = (rel % SubBuckets) + SubBuckets;
        long lo = top << shift;
        return lo + ((1L << shift) / 2);
    }
}
