using System.Security.Cryptography;
using Turn.Protocol;

namespace Turn.Server.Relay;

/// <summary>
/// Which relay ports of min-port..max-port are in use, per relay IP, shared by all workers.
/// Ports are chosen at random (RFC 8656 §7.2 recommends unpredictable ports); EVEN-PORT asks for
/// an even one, and its R bit holds port+1 for 30 seconds behind a RESERVATION-TOKEN.
/// Called only when allocations come and go, never per packet, so a lock is fine.
/// </summary>
public sealed class RelayPortPool
{
    /// <summary>RFC 8656 §7.2: a reserved port is held for about 30 seconds.</summary>
    public const long ReservationLifetimeMs = 30_000;

    private readonly int _min;
    private readonly int _max;
    private readonly object _gate = new();
    private readonly Dictionary<StunAddress, bool[]> _used = [];
    private readonly Dictionary<ulong, Reservation> _reservations = [];

    public RelayPortPool(int minPort, int maxPort)
    {
        if (minPort < 1 || maxPort > 65535 || minPort > maxPort)
        {
            throw new ArgumentOutOfRangeException(nameof(minPort), $"bad relay port range {minPort}-{maxPort}");
        }

        _min = minPort;
        _max = maxPort;
    }

    public int InUse
    {
        get
        {
            lock (_gate)
            {
                int n = 0;
                foreach (bool[] ports in _used.Values)
                {
                    foreach (bool b in ports)
                    {
                        n += b ? 1 : 0;
                    }
                }

                return n;
            }
        }
    }

    /// <summary>Takes a free port on <paramref name="ip"/> (its port is ignored).</summary>
    /// <param name="even">Only even ports (EVEN-PORT).</param>
    /// <param name="reserveNext">Also hold port+1 and return a token for it (EVEN-PORT with R).</param>
    public bool TryTake(in StunAddress ip, bool even, bool reserveNext, long nowMs, out ushort port, out ulong token)
    {
        port = 0;
        token = 0;
        lock (_gate)
        {
            ExpireLocked(nowMs);
            bool[] used = PortsOf(ip);
            int count = _max - _min + 1;
            int start = RandomNumberGenerator.GetInt32(count);
            for (int i = 0; i < count; i++)
            {
                int p = _min + ((start + i) % count);
                if (used[p - _min] || (even && (p & 1) != 0))
                {
                    continue;
                }

                if (reserveNext && (p + 1 > _max || used[p + 1 - _min]))
                {
                    continue;
                }

                used[p - _min] = true;
                port = (ushort)p;
                if (reserveNext)
                {
                    used[p + 1 - _min] = true;
                    do
                    {
                        token = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));
                    }
                    while (token == 0 || _reservations.ContainsKey(token));

                    _reservations[token] = new Reservation(ip.WithPort(0), (ushort)(p + 1), nowMs + ReservationLifetimeMs);
                }

                return true;
            }

            return false;
        }
    }

    /// <summary>Claims the port a RESERVATION-TOKEN holds; false for an unknown or expired token.</summary>
    public bool TryTakeReserved(ulong token, long nowMs, out StunAddress address)
    {
        lock (_gate)
        {
            ExpireLocked(nowMs);
            if (_reservations.Remove(token, out Reservation r))
            {
                address = r.Ip.WithPort(r.Port);
                return true;
            }

            address = default;
            return false;
        }
    }

    /// <summary>Gives a port back (allocation ended or its socket could not be bound).</summary>
    public void Release(in StunAddress address)
    {
        lock (_gate)
        {
            if (address.Port >= _min && address.Port <= _max && _used.TryGetValue(address.WithPort(0), out bool[]? used))
            {
                used[address.Port - _min] = false;
            }
        }
    }

    private bool[] PortsOf(in StunAddress ip)
    {
        StunAddress key = ip.WithPort(0);
        if (!_used.TryGetValue(key, out bool[]? used))
        {
            used = new bool[_max - _min + 1];
            _used[key] = used;
        }

        return used;
    }

    private void ExpireLocked(long nowMs)
    {
        if (_reservations.Count == 0)
        {
            return;
        }

        List<ulong>? expired = null;
        foreach ((ulong token, Reservation r) in _reservations)
        {
            if (r.ExpiresAtMs <= nowMs)
            {
                (expired ??= []).Add(token);
            }
        }

        if (expired is null)
        {
            return;
        }

        foreach (ulong token in expired)
        {
            _reservations.Remove(token, out Reservation r);
            PortsOf(r.Ip)[r.Port - _min] = false;
        }
    }

    private readonly record struct Reservation(StunAddress Ip, ushort Port, long ExpiresAtMs);
}
