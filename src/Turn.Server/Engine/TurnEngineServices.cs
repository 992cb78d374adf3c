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
        Options = options;
        Authenticator = authenticator;
        PeerFilter = peerFilter;
        Ports = ports;
        Quotas = quotas;
        ListeningAddresses = listeningAddresses;
        Log = log;
    }

    public TurnEngineOptions Options { get; }

    /// <summary>Null when the server runs without authentication (no-auth).</summary>
    public Authenticator? Authenticator { get; }

    public PeerAddressFilter PeerFilter { get; }

    public RelayPortPool Ports { get; }

    public QuotaTracker Quotas { get; }

    /// <summary>The listening IPs: relay addresses of last resort for a family the client did not reach us on.</summary>
    public IReadOnlyList<StunAddress> ListeningAddresses { get; }

    public IServerLog Log { get; }

    /// <summary>Wall clock in Unix seconds (nonces, REST expiry). Replaceable for tests.</summary>
    public Func<long> UnixSeconds { get; init; } = static () => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>Allocations in progress over all workers (for logs and statistics).</summary>
    public int Allocations => Quotas.Total;
}
