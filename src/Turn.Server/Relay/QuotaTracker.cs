namespace Turn.Server.Relay;

/// <summary>
/// Concurrent allocations per user (--user-quota) and in total (--total-quota), across workers.
/// Touched when allocations are created and deleted, never per packet.
/// </summary>
public sealed class QuotaTracker
{
    private readonly object _gate = new();
    private readonly Dictionary<string, int> _perUser = new(StringComparer.Ordinal);
    private int _userQuota;
    private int _totalQuota;
    private int _total;

    /// <param name="userQuota">Per user; 0 = unlimited.</param>
    /// <param name="totalQuota">In total; 0 = unlimited.</param>
    public QuotaTracker(int userQuota, int totalQuota)
    {
        _userQuota = userQuota;
        _totalQuota = totalQuota;
    }

    public int Total => Volatile.Read(ref _total);

    /// <summary>Changes the limits (realm options from the database); existing allocations are kept.</summary>
    public void SetLimits(int userQuota, int totalQuota)
    {
        lock (_gate)
        {
            _userQuota = userQuota;
            _totalQuota = totalQuota;
        }
    }

    /// <summary>Counts a new allocation for <paramref name="user"/> (null when unauthenticated); false = 486.</summary>
    public bool TryAdd(string? user)
    {
        lock (_gate)
        {
            if (_totalQuota > 0 && _total >= _totalQuota)
            {
                return false;
            }

            if (user is not null)
            {
                _perUser.TryGetValue(user, out int n);
                if (_userQuota > 0 && n >= _userQuota)
                {
                    return false;
                }

                _perUser[user] = n + 1;
            }

            _total++;
            return true;
        }
    }

    public void Remove(string? user)
    {
        lock (_gate)
        {
            _total--;
            if (user is not null && _perUser.TryGetValue(user, out int n))
            {
                if (n <= 1)
                {
                    _perUser.Remove(user);
                }
                else
                {
                    _perUser[user] = n - 1;
                }
            }
        }
    }
}
