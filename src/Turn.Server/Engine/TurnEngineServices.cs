using Turn.Protocol;
using Turn.Security;
using Turn.Server.Auth;
using Turn.Server.Relay;

namespace Turn.Server.Engine;

/// <summary>What all workers' engines share: options and the few services that need coordination.</summary>
public sealed class TurnEngineServices
{
    public TurnEngineServices(
        TurnEngineOptions options,
        Authenticator? authenticator,
        PeerAddressFilter peerFilter,
        RelayPortPool ports,
        QuotaTracker quotas,
        IReadOnlyList<StunAddress> listeningAddresses,
        IServerLog log)
    {
        ArgumentNullException.ThrowIfNull(peerFilter);
        Options = options;
        Authenticator = authenticator;
        LiveRelayPorts = peerFilter.Options.LiveRelayPorts ?? new LiveRelayPorts();
        _peerFilter = WithLiveRelayPorts(peerFilter);
        _maxBps = options.MaxBps;
        Ports = ports;
        Quotas = quotas;
        ListeningAddresses = listeningAddresses;
        Log = log;
    }

    public TurnEngineOptions Options { get; }

    /// <summary>Null when the server runs without authentication (no-auth).</summary>
    public Authenticator? Authenticator { get; }

    private PeerAddressFilter _peerFilter;
    private int _peerPolicyVersion;
    private long _maxBps;
    private RealmDirectory _realms = RealmDirectory.Empty;
    private int _engines;

    /// <summary>
    /// The peer filter in force. Replaced as a whole (never mutated) when the database's peer
    /// lists change; workers read the reference per check, and each re-checks its permissions,
    /// channels and TCP peer connections on its next tick (<see cref="TurnEngine.RevalidatePeers"/>).
    /// A filter built without <see cref="PeerAddressFilterOptions.LiveRelayPorts"/> is given <see cref="LiveRelayPorts"/>.
    /// </summary>
    public PeerAddressFilter PeerFilter
    {
        get => Volatile.Read(ref _peerFilter);
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            Volatile.Write(ref _peerFilter, WithLiveRelayPorts(value));
            Interlocked.Increment(ref _peerPolicyVersion);
        }
    }

    /// <summary>Bumped each time <see cref="PeerFilter"/> is replaced (engines compare it on their tick).</summary>
    public int PeerPolicyVersion => Volatile.Read(ref _peerPolicyVersion);

    /// <summary>The ports of this server's live relay endpoints (engines add and remove them), which the peer filter consults.</summary>
    public LiveRelayPorts LiveRelayPorts { get; }

    /// <summary>Per-session bytes/s for new allocations (max-bps, or the realm's value from the database).</summary>
    public long MaxBps
    {
        get => Volatile.Read(ref _maxBps);
        set => Volatile.Write(ref _maxBps, value);
    }

    /// <summary>
    /// The realms an ORIGIN selects and their limits (from the database). Replaced as a whole (never mutated);
    /// workers read the reference per Allocate, so they never wait on the database.
    /// </summary>
    public RealmDirectory Realms
    {
        get => Volatile.Read(ref _realms);
        set => Volatile.Write(ref _realms, value);
    }

    /// <summary>Told about allocations being created, refreshed and deleted, and their traffic (--redis-statsdb); null = nobody. Set before the workers start.</summary>
    public IAllocationObserver? AllocationObserver { get; set; }

    public RelayPortPool Ports { get; }

    public QuotaTracker Quotas { get; }

    /// <summary>The server's total bandwidth (--bps-capacity) that sessions with a max-bps reserve from.</summary>
    public BandwidthCapacity Bandwidth { get; init; } = new(0);

    /// <summary>The listening IPs: relay addresses of last resort for a family the client did not reach us on.</summary>
    public IReadOnlyList<StunAddress> ListeningAddresses { get; }

    public IServerLog Log { get; }

    /// <summary>Wall clock in Unix seconds (nonces, REST expiry). Replaceable for tests.</summary>
    public Func<long> UnixSeconds { get; init; } = static () => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    private PeerAddressFilter WithLiveRelayPorts(PeerAddressFilter filter)
        => ReferenceEquals(filter.Options.LiveRelayPorts, LiveRelayPorts)
            ? filter
            : new PeerAddressFilter(filter.Options with { LiveRelayPorts = LiveRelayPorts });

    /// <summary>A distinct small number per engine (0, 1, ...), the first part of its allocations' ids.</summary>
    internal int NextEngineIndex() => Interlocked.Increment(ref _engines) - 1;

    /// <summary>Allocations in progress over all workers (for logs and statistics).</summary>
    public int Allocations => Quotas.Total;
}
