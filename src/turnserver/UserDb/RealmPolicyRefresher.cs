using Turn.Configuration;
using Turn.Security;
using Turn.Server;
using Turn.Server.Auth;
using Turn.Server.Engine;
using Turn.UserDb;

namespace Turn.Daemon.UserDb;

/// <summary>
/// Keeps the database's realm options (max-bps, user-quota, total-quota), ORIGIN → realm mappings
/// (turn_origin_to_realm) and peer lists (allowed_peer_ip, denied_peer_ip) in force: read every few
/// seconds in the background and swapped into the engine whole, so changes apply to new allocations
/// and packets within seconds, without a restart, and a worker never waits on the database. The
/// configuration's values stay the base: database values override quotas and bandwidth (per realm,
/// as coturn: a realm without options of its own gets the configured ones), and database ranges add
/// to the configured lists.
/// </summary>
internal sealed class RealmPolicyRefresher : IAsyncDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    private readonly DatabaseHandle _db;
    private readonly TurnEngineServices _services;
    private readonly TurnServerConfig _config;
    private readonly IServerLog _log;
    private readonly PeerAddressFilterOptions _basePeerPolicy;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private string _lastApplied = string.Empty;

    public RealmPolicyRefresher(DatabaseHandle db, TurnEngineServices services, TurnServerConfig config, IServerLog log)
    {
        _db = db;
        _services = services;
        _config = config;
        _log = log;
        _basePeerPolicy = services.PeerFilter.Options; // the configuration's policy: database ranges add to it
        _loop = Task.Run(LoopAsync);
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task LoopAsync()
    {
        using var timer = new PeriodicTimer(Interval);
        do
        {
            if (_db.IsAvailable)
            {
                try
                {
                    await RefreshAsync().ConfigureAwait(false);
                }
                catch (UserDbException e)
                {
                    _log.Warning($"user database: cannot read realm options and peer lists: {e.Message}; keeping the ones in force");
                }
            }
        }
        while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false));
    }

    private async Task RefreshAsync()
    {
        string realm = _config.Realm ?? string.Empty;
        RealmOptions options = _config.NoDynamicRealms
            ? RealmOptions.None
            : await _db.Query((db, ct) => db.GetRealmOptionsAsync(realm, ct)).ConfigureAwait(false);
        IReadOnlyList<PeerIpRange> allowed = [];
        IReadOnlyList<PeerIpRange> denied = [];
        if (!_config.NoDynamicIpList)
        {
            allowed = await _db.Query((db, ct) => db.GetAllowedPeerIpsAsync(realm, ct)).ConfigureAwait(false);
            denied = await _db.Query((db, ct) => db.GetDeniedPeerIpsAsync(realm, ct)).ConfigureAwait(false);
        }

        RealmDirectory realms = _config.NoDynamicRealms ? RealmDirectory.Empty : await ReadRealmsAsync(realm).ConfigureAwait(false);
        string state = $"{options}|{string.Join(',', allowed.Select(a => a.Range))}|{string.Join(',', denied.Select(d => d.Range))}|{Describe(realms)}";
        if (state == _lastApplied)
        {
            return;
        }

        _services.Realms = realms;

        _services.MaxBps = options.MaxBps is { } bps ? (long)Math.Min(bps, long.MaxValue) : _config.MaxBps;
        _services.Quotas.SetLimits(options.UserQuota ?? _config.UserQuota, options.TotalQuota ?? _config.TotalQuota);
        // Replacing the filter makes every worker re-check its permissions, channels and TCP peer connections.
        _services.PeerFilter = new PeerAddressFilter(DatabasePolicy(_basePeerPolicy, allowed, denied, _log));
        _lastApplied = state;
        _log.Info($"user database: realm \"{realm}\": max-bps {_services.MaxBps}, user-quota {options.UserQuota ?? _config.UserQuota}, total-quota {options.TotalQuota ?? _config.TotalQuota}, {allowed.Count} allowed and {denied.Count} denied peer ranges from the database");
        if (realms.OriginCount > 0 || realms.Realms.Any())
        {
            _log.Info($"user database: ORIGIN realms: {Describe(realms)}");
        }
    }

    /// <summary>
    /// Every origin mapping, and the limits of every realm other than <paramref name="defaultRealm"/> that a mapping
    /// or a realm option names: the realm's options over the configured values.
    /// </summary>
    private async Task<RealmDirectory> ReadRealmsAsync(string defaultRealm)
    {
        IReadOnlyList<(string Origin, string Realm)> origins = await _db.Query((db, ct) => db.ListOriginsAsync(null, ct)).ConfigureAwait(false);
        IReadOnlyList<(string Realm, string Option, string Value)> rows = await _db.Query((db, ct) => db.ListRealmOptionsAsync(null, ct)).ConfigureAwait(false);
        var limits = new SortedDictionary<string, RealmLimits>(StringComparer.Ordinal);
        foreach (string name in origins.Select(o => o.Realm).Concat(rows.Select(r => r.Realm)).Distinct(StringComparer.Ordinal))
        {
            if (name == defaultRealm)
            {
                continue;
            }

            RealmOptions o = await _db.Query((db, ct) => db.GetRealmOptionsAsync(name, ct)).ConfigureAwait(false);
            limits[name] = new RealmLimits(
                o.MaxBps is { } bps ? (long)Math.Min(bps, long.MaxValue) : _config.MaxBps,
                o.UserQuota ?? _config.UserQuota,
                o.TotalQuota ?? _config.TotalQuota);
        }

        var map = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach ((string origin, string realm) in origins)
        {
            map[origin] = realm;
        }

        return new RealmDirectory(map, limits, CoturnOrigin.Canonicalize);
    }

    private static string Describe(RealmDirectory realms)
    {
        var parts = new List<string>();
        foreach (string realm in realms.Realms)
        {
            realms.TryGetLimits(realm, out RealmLimits l);
            parts.Add($"{realm}: max-bps {l.MaxBps}, user-quota {l.UserQuota}, total-quota {l.TotalQuota}");
        }

        return $"{realms.OriginCount} origin(s){(parts.Count == 0 ? "" : "; " + string.Join("; ", parts))}";
    }

    /// <summary>
    /// <paramref name="basePolicy"/> with the database's ranges added. A range that does not parse fails closed: the
    /// realm then refuses every peer (<see cref="PeerDecision.PolicyUnavailable"/>) until the row is fixed, because a
    /// dropped denied range would open what the operator meant to close. The log names the table, realm and row
    /// number, never the value (it is database content, not ours to print).
    /// </summary>
    internal static PeerAddressFilterOptions DatabasePolicy(PeerAddressFilterOptions basePolicy, IReadOnlyList<PeerIpRange> allowed, IReadOnlyList<PeerIpRange> denied, IServerLog log)
    {
        bool ok = TryParse(allowed, "allowed_peer_ip", log, out AddressRange[] allow) & TryParse(denied, "denied_peer_ip", log, out AddressRange[] deny);
        if (!ok)
        {
            log.Error("user database: peer ranges that do not parse: every peer is refused until they are fixed (fail closed)");
            return basePolicy with { DenyAll = true };
        }

        return basePolicy with { Allowed = [.. basePolicy.Allowed, .. allow], Denied = [.. basePolicy.Denied, .. deny] };
    }

    private static bool TryParse(IReadOnlyList<PeerIpRange> rows, string table, IServerLog log, out AddressRange[] ranges)
    {
        var result = new List<AddressRange>(rows.Count);
        bool ok = true;
        for (int i = 0; i < rows.Count; i++)
        {
            if (AddressRange.TryParse(rows[i].Range, out AddressRange range))
            {
                result.Add(range);
            }
            else
            {
                log.Error($"user database: {table}: row {i + 1} of realm \"{rows[i].Realm}\" is not an address, range or CIDR");
                ok = false;
            }
        }

        ranges = [.. result];
        return ok;
    }
}
