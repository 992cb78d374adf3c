using Turn.Server.Auth;

namespace Turn.Server.Relay;

/// <summary>
/// Concurrent allocations per user (--user-quota) and in total (--total-quota), across workers, counted per realm
/// as coturn counts them (a realm's users and total are its own). Touched when allocations are created and
/// deleted, never per packet.
/// </summary>
public sealed class QuotaTracker
{
    private readonly object _gate = new();
    private readonly Dictionary<(string Realm, string User), int> _perUser = [];
    private readonly Dictionary<string, int> _perRealm = new(StringComparer.Ordinal);
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
    public bool TryAdd(string? user) => TryAdd(string.Empty, user, null);

    /// <summary>
    /// Counts a new allocation for <paramref name="user"/> in <paramref name="realm"/> under that realm's limits
    /// (null: the limits of <see cref="SetLimits"/>); false = 486.
    /// </summary>
    public bool TryAdd(string realm, string? user, RealmLimits? limits)
    {
        lock (_gate)
        {
            int userQuota = limits?.UserQuota ?? _userQuota;
            int totalQuota = limits?.TotalQuota ?? _totalQuota;
            _perRealm.TryGetValue(realm, out int inRealm);
            if (totalQuota > 0 && inRealm >= totalQuota)
            {
                return false;
            }

            if (user is not null)
            {
                _perUser.TryGetValue((realm, user), out int n);
                if (userQuota > 0 && n >= userQuota)
                {
                    return false;
                }

                _perUser[(realm, user)] = n + 1;
            }

            _perRealm[realm] = inRealm + 1;
            _total++;
            return true;
        }
    }

    public void Remove(string? user) => Remove(string.Empty, user);

    /// <summary>An allocation counted by <see cref="TryAdd(string, string?, RealmLimits?)"/> ended.</summary>
    public void Remove(string realm, string? user)
    {
        lock (_gate)
        {
            _total--;
            Decrement(_perRealm, realm);
            if (user is not null)
            {
                Decrement(_perUser, (realm, user));
            }
        }
    }

    private static void Decrement<TKey>(Dictionary<TKey, int> counts, TKey key)
        where TKey : notnull
    {
        if (counts.TryGetValue(key, out int n))
        {
            if (n <= 1)
            {
                counts.Remove(key);
            }
            else
            {
                counts[key] = n - 1;
            }
        }
    }
}
