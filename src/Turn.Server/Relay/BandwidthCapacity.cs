namespace Turn.Server.Relay;

/// <summary>
/// The server's total bandwidth (--bps-capacity, bytes/s) as coturn accounts it: every allocation
/// with a per-session limit (max-bps) reserves that much of the capacity when it is created and gives
/// it back when it ends. When less than a full share is left, the allocation gets what is left as its
/// limit; when nothing is left, the Allocate fails with 486. Shared by all workers, touched only when
/// allocations are created and deleted (a compare-and-swap, no lock), never per packet.
/// </summary>
public sealed class BandwidthCapacity
{
    private readonly long _capacity;
    private long _reserved;

    /// <param name="capacity">Bytes/s in all; 0 = unlimited (reservations are still counted).</param>
    public BandwidthCapacity(long capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        _capacity = capacity;
    }

    public long Capacity => _capacity;

    /// <summary>Bytes/s reserved by live allocations.</summary>
    public long Reserved => Volatile.Read(ref _reserved);

    /// <summary>
    /// Reserves up to <paramref name="bps"/> bytes/s. Returns what was granted: <paramref name="bps"/>,
    /// or less when the capacity is nearly used up, or 0 when it is used up (the caller answers 486).
    /// A request of 0 (no per-session limit) reserves nothing and returns 0.
    /// </summary>
    public long TryReserve(long bps)
    {
        if (bps <= 0)
        {
            return 0;
        }

        while (true)
        {
            long reserved = Volatile.Read(ref _reserved);
            long grant = bps;
            if (_capacity > 0)
            {
                long left = _capacity - reserved;
                if (left <= 0)
                {
                    return 0;
                }

                grant = Math.Min(bps, left);
            }

            if (Interlocked.CompareExchange(ref _reserved, reserved + grant, reserved) == reserved)
            {
                return grant;
            }
        }
    }

    /// <summary>Gives back what <see cref="TryReserve"/> granted.</summary>
    public void Release(long granted)
    {
        if (granted > 0)
        {
            Interlocked.Add(ref _reserved, -granted);
        }
    }
}
