using Turn.Protocol;

namespace Turn.Server.Dtls;

/// <summary>
/// A bounded number of slots (DTLS sessions, or handshakes in progress), in all and per source (an IPv4 address or an
/// IPv6 /64, <see cref="SourcePrefix"/>). Taken and given back only when a session or handshake starts or ends
/// (after a valid cookie), never per packet, so a lock is cheap here.
/// </summary>
internal sealed class SourceSlots(int maxTotal, int maxPerSource)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<StunAddress, int> _perSource = [];
    private int _count;

    /// <summary>Slots taken now.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Takes a slot for <paramref name="client"/>'s source; false (nothing taken) at either bound.</summary>
    public bool TryTake(in StunAddress client)
    {
        StunAddress source = SourcePrefix.Of(client);
        lock (_lock)
        {
            _perSource.TryGetValue(source, out int mine);
            if (_count >= maxTotal || mine >= maxPerSource)
            {
                return false;
            }

            _perSource[source] = mine + 1;
            Volatile.Write(ref _count, _count + 1);
            return true;
        }
    }

    /// <summary>Gives back a slot <see cref="TryTake"/> took for <paramref name="client"/>.</summary>
    public void Release(in StunAddress client)
    {
        StunAddress source = SourcePrefix.Of(client);
        lock (_lock)
        {
            if (!_perSource.TryGetValue(source, out int mine))
            {
                return;
            }

            if (mine <= 1)
            {
                _perSource.Remove(source);
            }
            else
            {
                _perSource[source] = mine - 1;
            }

            Volatile.Write(ref _count, _count - 1);
        }
    }
}
