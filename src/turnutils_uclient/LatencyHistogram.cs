using System.Numerics;

namespace Turn.Utils.Uclient;

/// <summary>
/// A log-linear histogram of durations in nanoseconds (HdrHistogram-like): exact below 256 ns, then 128 buckets per
/// power of two (relative error below 0.8%). Recording is a few instructions and never allocates.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int Exact = 256;
    private const int SubBuckets = 128;
    private const int Powers = 40;
    private readonly long[] _counts = new long[Exact + (Powers * SubBuckets)];

    public long Count { get; private set; }

    public long MinNs { get; private set; } = long.MaxValue;

    public long MaxNs { get; private set; }

    public double SumNs { get; private set; }

    public void Record(long ns)
    {
        if (ns < 0)
        {
            ns = 0;
        }

        int index = Index(ns);
        if (index >= _counts.Length)
        {
            index = _counts.Length - 1;
        }

        _counts[index]++;
        Count++;
        SumNs += ns;
        if (ns < MinNs)
        {
            MinNs = ns;
        }

        if (ns > MaxNs)
        {
            MaxNs = ns;
        }
    }

    public void Clear()
    {
        Array.Clear(_counts);
        Count = 0;
        SumNs = 0;
        MinNs = long.MaxValue;
        MaxNs = 0;
    }

    /// <summary>The value at quantile <paramref name="q"/> (0..1), in nanoseconds (bucket midpoint); 0 when empty.</summary>
    public double PercentileNs(double q)
    {
        if (Count == 0)
        {
            return 0;
        }

        long rank = Math.Max(1, (long)Math.Ceiling(q * Count));
        long seen = 0;
        for (int i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                (long low, long width) = Bucket(i);
                return Math.Clamp(low + (width / 2.0), MinNs, MaxNs);
            }
        }

        return MaxNs;
    }

    private static int Index(long ns)
    {
        if (ns < Exact)
        {
            return (int)ns;
        }

        int msb = 63 - BitOperations.LeadingZeroCount((ulong)ns);   // >= 8
        int shift = msb - 7;                                         // >= 1
        long top = ns >> shift;                                      // 128..255
        return Exact + ((shift - 1) * SubBuckets) + (int)(top - SubBuckets);
    }

    private static (long Low, long Width) Bucket(int index)
    {
        if (index < Exact)
        {
            return (index, 1);
        }

        int i = index - Exact;
        int shift = (i / SubBuckets) + 1;
        long top = (i % SubBuckets) + SubBuckets;
        return (top << shift, 1L << shift);
    }
}
