using System.Security.Cryptography;
using Turn.Configuration;
using Turn.Daemon.UserDb;
using Turn.Protocol;
using Turn.Security;
using Turn.Server;
using Turn.Server.Auth;
using Turn.Server.Engine;
using Turn.Server.Relay;
using Turn.Server.Transports.Tls;

namespace Turn.Daemon;

/// <summary>The configuration → the engine's options and shared services.</summary>
internal static class EngineSetup
{
    /// <param name="c">The configuration.</param>
    /// <param name="natDiscovery">RFC 5780's map of the bound listeners; null when RFC 5780 is off.</param>
    public static StunServiceOptions StunOptions(TurnServerConfig c, NatDiscoveryMap? natDiscovery = null) => new()
    {
        StunOnly = c.StunOnly,
        NoStun = c.NoStun,
        AlwaysFingerprint = c.Fingerprint,
        Software = c.NoSoftwareAttribute ? null : ProductInfo.SoftwareAttribute,
        MappedAddressForOldClients = !c.NoStunBackwardCompatibility,
        Rfc3489Requests = !c.NoStunBackwardCompatibility,
        // RESPONSE-ORIGIN is sent with or without RFC 5780 (as coturn does) unless the operator
        // asked for it only with RFC 5780.
        ResponseOrigin = !c.ResponseOriginOnlyWithRfc5780 || natDiscovery is not null,
        NatDiscovery = natDiscovery,
    };

    public static TurnEngineOptions EngineOptions(TurnServerConfig c, NatDiscoveryMap? natDiscovery = null) => new()
    {
        Stun = StunOptions(c, natDiscovery),
        Authenticate = UsesAuthentication(c),
        Realm = c.Realm ?? string.Empty,
        NonceLifetimeSeconds = c.StaleNonce ?? 600,
        MaxAllocateLifetimeSeconds = c.MaxAllocateLifetime,
        MaxAllocateTimeoutSeconds = c.MaxAllocateTimeout,
        PermissionLifetimeSeconds = c.PermissionLifetime,
        ChannelLifetimeSeconds = c.ChannelLifetime,
        MaxPermissionsPerAllocation = c.MaxPermissionsPerAllocation,
        MaxChannelsPerAllocation = c.MaxChannelsPerAllocation,
        Rfc5766ChannelNumbers = c.Rfc5766ChannelNumbers,
        CheckOriginConsistency = c.CheckOriginConsistency,
        MaxBps = c.MaxBps,
        NoUdpRelay = c.NoUdpRelay,
        NoTcpRelay = c.NoTcpRelay,
        ServerRelay = c.ServerRelay,
        DefaultFamily = c.AllocationDefaultAddressFamily switch
        {
            AddressFamilyPolicy.Ipv6 => DefaultRelayFamily.IPv6,
            AddressFamilyPolicy.Keep => DefaultRelayFamily.Keep,
            _ => c.KeepAddressFamily ? DefaultRelayFamily.Keep : DefaultRelayFamily.IPv4,
        },
        RelayAddresses = c.RelayIps.Select(ip => StunAddress.FromIPAddress(ip, 0)).ToArray(),
        ExternalAddresses = c.ExternalIps
            .Select(e => new ExternalAddress(StunAddress.FromIPAddress(e.Public, 0), e.Private is null ? default : StunAddress.FromIPAddress(e.Private, 0)))
            .ToArray(),
    };

    /// <summary>lt-cred-mech or use-auth-secret turn authentication on; no-auth (the default otherwise) leaves it off.</summary>
    public static bool UsesAuthentication(TurnServerConfig c) => !c.NoAuth && (c.LtCredMech || c.UseAuthSecret || c.OAuth);

    public static TurnEngineServices Services(TurnServerConfig c, IReadOnlyList<StunAddress> listening, DatabaseHandle? database, IServerLog log, NatDiscoveryMap? natDiscovery = null)
    {
        TurnEngineOptions options = EngineOptions(c, natDiscovery);
        Authenticator? authenticator = null;
        if (options.Authenticate)
        {
            Func<long> unixNow = () => DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            var statics = new StaticCredentialSource(
                options.Realm,
                c.Users.Select(u => (u.Name, u.Password, u.Key)),
                c.UseAuthSecret ? c.StaticAuthSecrets : [],
                c.RestApiSeparator,
                unixNow);
            ICredentialSource credentials = database is null
                ? statics
                : new DatabaseCredentialSource(database, statics, c.UseAuthSecret, c.StaticAuthSecrets, c.RestApiSeparator, unixNow, log);
            var nonces = new NonceService(RandomNumberGenerator.GetBytes(32), options.NonceLifetimeSeconds, passwordAlgorithms: true, usernameAnonymity: !c.UseAuthSecret);
            string? oauthServerName = c.OAuth ? (string.IsNullOrEmpty(c.ServerName) ? options.Realm : c.ServerName) : null;
            authenticator = new Authenticator(options.Realm, nonces, credentials, oauthServerName);
        }

        var filter = new PeerAddressFilter(PeerPolicySetup.Options(c, listening, interfaces: null, databases: null, log));

        return new TurnEngineServices(
            options,
            authenticator,
            filter,
            new RelayPortPool(c.MinPort, c.MaxPort),
            new QuotaTracker(c.UserQuota, c.TotalQuota),
            listening,
            log)
        {
            Bandwidth = new BandwidthCapacity(c.BpsCapacity),
        };
    }

    /// <summary>The certificate settings of the TLS and DTLS listeners, or null when both are off (no-tls and no-dtls, or no certificate found by the loader).</summary>
    public static TlsSettings? Tls(TurnServerConfig c) => (c.NoTls && c.NoDtls) || c.ResolvedCertFile is null
        ? null
        : new TlsSettings(c.ResolvedCertFile, c.ResolvedPkeyFile ?? c.ResolvedCertFile)
        {
            KeyPassword = c.PkeyPwd,
            CaFile = c.ResolvedCaFile,
            CipherList = c.CipherList,
            NoTls12 = c.NoTlsv1_2,
            NoTls10 = c.NoTlsv1,
            NoTls11 = c.NoTlsv1_1,
        };

    /// <summary>allowed-peer-ip / denied-peer-ip values as the filter's ranges.</summary>
    public static AddressRange[] ConfiguredRanges(IEnumerable<IpRange> ranges) =>
        ranges.Select(r => new AddressRange(StunAddress.FromIPAddress(r.From, 0), StunAddress.FromIPAddress(r.To, 0))).ToArray();
}
