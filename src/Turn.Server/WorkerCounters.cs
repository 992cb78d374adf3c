namespace Turn.Server;

/// <summary>
/// Counters owned by one worker thread (plain fields, no atomics: only the owner writes).
/// Readers on other threads may see slightly stale values, which is fine for statistics.
/// </summary>
public sealed class WorkerCounters
{
    private readonly long[] _dropped = new long[Enum.GetValues<DropReason>().Length];

    public long BindingRequests;
    public long BindingSuccesses;
    public long ErrorResponses;

    /// <summary>Packets relayed client → peer (Send indications and ChannelData).</summary>
    public long RelayedToPeer;

    /// <summary>Packets relayed peer → client.</summary>
    public long RelayedToClient;

    /// <summary>Data packets dropped: no allocation, permission, channel, or over the bandwidth limit.</summary>
    public long RelayDropped;

    public long Dropped(DropReason reason) => Volatile.Read(ref _dropped[(int)reason]);

    public long TotalDropped
    {
        get
        {
            long sum = 0;
            for (int i = 0; i < _dropped.Length; i++)
            {
                sum += Volatile.Read(ref _dropped[i]);
            }

            return sum;
        }
    }

    public void CountDrop(DropReason reason) => _dropped[(int)reason]++;
}
