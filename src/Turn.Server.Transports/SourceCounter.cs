using System.Collections.Concurrent;
using Turn.Protocol;

namespace Turn.Server.Transports;

/// <summary>
/// Connections open per source, bounded: a source is an IPv4 address or an IPv6 /64
/// (<see cref="SourcePrefix"/>). Thread-safe without a lock (accept loops and close callbacks run on
/// different threads); an entry disappears when its last connection closes.
/// </summary>
public sealed class SourceCounter(int maxPerSource)
{
    private readonly ConcurrentDictionary<StunAddress, int> _open = new();

    /// <summary>The bound for one source.</summary>
    public int MaxPerSource { get; } = maxPerSource;

    /// <summary>Sources with at least one connection open.</summary>
    public int Sources => _open.Count;

    /// <summary>Connections open now from <paramref name="address"/>'s source.</summary>
    public int CountOf(in StunAddress address) => _open.TryGetValue(SourcePrefix.Of(address), out int count) ? count : 0;

    /// <summary>Counts one more connection from <paramref name="address"/>'s source; false (nothing counted) at the bound.</summary>
    public bool TryAdd(in StunAddress address)
    {
        StunAddress source = SourcePrefix.Of(address);
        while (true)
        {
            int current = _open.GetOrAdd(source, 0);
            if (current >= MaxPerSource)
            {
                return false;
            }

            if (_open.TryUpdate(source, current + 1, current))
            {
                return true;
            }
        }
    }

    /// <summary>One connection counted by <see cref="TryAdd"/> closed.</summary>
    public void Remove(in StunAddress address)
    {
        StunAddress source = SourcePrefix.Of(address);
        while (true)
        {
            int current = _open.GetOrAdd(source, 1);
            if (current <= 1)
            {
                if (_open.TryRemove(new KeyValuePair<StunAddress, int>(source, current)))
                {
                    return;
                }
            }
            else if (_open.TryUpdate(source, current - 1, current))
            {
                return;
            }
        }
    }
}
