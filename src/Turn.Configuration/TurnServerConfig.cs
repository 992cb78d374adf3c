using System.Net;

namespace Turn.Configuration;

/// <summary>
/// Typed turnserver settings: one property per option (PascalCase of the long name). The property initialisers are
/// the defaults; <see cref="OptionTable"/> shows them in -h and the man page. Paired options (no-x / x) share one
/// property, as noted on it.
/// </summary>
public sealed class TurnServerConfig
{
    private readonly Dictionary<string, string> sources = new(StringComparer.Ordinal);

    // ---------------------------------------------------------------- config file / process

    /// <summary>Full path of the configuration file actually read, or null (none found, or -n).</summary>
    public string? ConfigFile { get; set; }

    /// <summary>-n: no configuration file was read.</summary>
    public bool NoConfigFile { get; set; }

    /// <summary>-o/--daemon.</summary>
    public bool Daemon { get; set; }

    /// <summary>--pidfile: null = default path (/var/run/turnserver.pid as root, else /var/tmp/turnserver.pid), "" = no pid file.</summary>
    public string? PidFile { get; set; }

    /// <summary>--proc-user.</summary>
    public string? ProcUser { get; set; }

    /// <summary>--proc-group.</summary>
    public string? ProcGroup { get; set; }

    /// <summary>-m/--relay-threads: null = number of CPUs; 0 = single-threaded. Capped at 128.</summary>
    public int? RelayThreads { get; set; }

    /// <summary>--cpus: override the detected CPU count; null = detect.</summary>
    public int? Cpus { get; set; }

    /// <summary>--ne: coturn network engine 1..3 (accepted for compatibility).</summary>
    public int? Ne { get; set; }

    // ---------------------------------------------------------------- listeners

    /// <summary>-d/--listening-device.</summary>
    public string? ListeningDevice { get; set; }

    /// <summary>-p/--listening-port (UDP and TCP).</summary>
    public int ListeningPort { get; set; } = 3478;

    /// <summary>--tls-listening-port (TLS and DTLS).</summary>
    public int TlsListeningPort { get; set; } = 5349;

    /// <summary>--alt-listening-port: 0 = <see cref="ListeningPort"/> + 1.</summary>
    public int AltListeningPort { get; set; }

    /// <summary>--alt-tls-listening-port: 0 = <see cref="TlsListeningPort"/> + 1.</summary>
    public int AltTlsListeningPort { get; set; }

    /// <summary>--tcp-proxy-port: 0 = none.</summary>
    public int TcpProxyPort { get; set; }

    /// <summary>--tcp-proxy-allowed-ip (repeatable): the load balancers that may send PROXY headers. Empty = loopback and private addresses.</summary>
    public List<IpRange> TcpProxyAllowedIps { get; } = [];

    /// <summary>--tcp-message-timeout in seconds: the time a TCP/TLS client has to complete a message once it began.</summary>
    public int TcpMessageTimeout { get; set; } = 10;

    /// <summary>--tcp-idle-timeout in seconds: a TCP/TLS client connection without an allocation that completes no message for this long is closed.</summary>
    public int TcpIdleTimeout { get; set; } = 60;

    /// <summary>--max-connections-per-source: TCP/TLS client connections from one IPv4 address or IPv6 /64.</summary>
    public int MaxConnectionsPerSource { get; set; } = 256;

    /// <summary>--dtls-max-handshakes: DTLS handshakes running at once.</summary>
    public int DtlsMaxHandshakes { get; set; } = 64;

    /// <summary>--dtls-max-handshakes-per-source: DTLS handshakes running at once from one IPv4 address or IPv6 /64.</summary>
    public int DtlsMaxHandshakesPerSource { get; set; } = 4;

    /// <summary>-L/--listening-ip (repeatable). Empty = all suitable system addresses.</summary>
    public List<IPAddress> ListeningIps { get; } = [];

    /// <summary>--aux-server (repeatable).</summary>
    public List<ServerAddress> AuxServers { get; } = [];

    /// <summary>--udp-self-balance.</summary>
    public bool UdpSelfBalance { get; set; }

    /// <summary>--no-udp.</summary>
    public bool NoUdp { get; set; }

    /// <summary>--no-tcp.</summary>
    public bool NoTcp { get; set; }

    /// <summary>--no-tls. Also set by the loader when no certificate is configured and the default one is missing.</summary>
    public bool NoTls { get; set; }

    /// <summary>--no-dtls (--dtls clears it). Also set by the loader when no certificate is available.</summary>
    public bool NoDtls { get; set; }

    /// <summary>--sock-buf-size in bytes; null = OS default.</summary>
    public int? SockBufSize { get; set; }

    // ---------------------------------------------------------------- relay

    /// <summary>-i/--relay-device.</summary>
    public string? RelayDevice { get; set; }

    /// <summary>-E/--relay-ip (repeatable).</summary>
    public List<IPAddress> RelayIps { get; } = [];

    /// <summary>-X/--external-ip (repeatable).</summary>
    public List<ExternalIpMapping> ExternalIps { get; } = [];

    /// <summary>--min-port.</summary>
    public int MinPort { get; set; } = 49152;

    /// <summary>--max-port.</summary>
    public int MaxPort { get; set; } = 65535;

    /// <summary>--no-udp-relay.</summary>
    public bool NoUdpRelay { get; set; }

    /// <summary>--no-tcp-relay.</summary>
    public bool NoTcpRelay { get; set; }

    /// <summary>--server-relay.</summary>
    public bool ServerRelay { get; set; }

    /// <summary>-K/--keep-address-family (deprecated; also sets <see cref="AllocationDefaultAddressFamily"/> to Keep).</summary>
    public bool KeepAddressFamily { get; set; }

    /// <summary>-A/--allocation-default-address-family.</summary>
    public AddressFamilyPolicy AllocationDefaultAddressFamily { get; set; } = AddressFamilyPolicy.Ipv4;

    /// <summary>--max-allocate-lifetime in seconds.</summary>
    public int MaxAllocateLifetime { get; set; } = 3600;

    /// <summary>--channel-lifetime in seconds.</summary>
    public int ChannelLifetime { get; set; } = 600;

    /// <summary>--permission-lifetime in seconds.</summary>
    public int PermissionLifetime { get; set; } = 300;

    /// <summary>--max-allocate-timeout in seconds.</summary>
    public int MaxAllocateTimeout { get; set; } = 60;

    /// <summary>--max-permissions-per-allocation.</summary>
    public int MaxPermissionsPerAllocation { get; set; } = 256;

    /// <summary>--max-channels-per-allocation.</summary>
    public int MaxChannelsPerAllocation { get; set; } = 256;

    /// <summary>--mobility.</summary>
    public bool Mobility { get; set; }

    /// <summary>--multiplex-peer.</summary>
    public bool MultiplexPeer { get; set; }

    /// <summary>--multiplex-peer-port.</summary>
    public int MultiplexPeerPort { get; set; } = 3480;

    /// <summary>--multiplex-peer-max-peers.</summary>
    public int MultiplexPeerMaxPeers { get; set; } = 256;

    /// <summary>--udp-recvmmsg.</summary>
    public bool UdpRecvmmsg { get; set; }

    /// <summary>--udp-recvmmsg-log.</summary>
    public bool UdpRecvmmsgLog { get; set; }

    /// <summary>--udp-gso.</summary>
    public bool UdpGso { get; set; }

    /// <summary>--udp-sendmmsg-log.</summary>
    public bool UdpSendmmsgLog { get; set; }

    /// <summary>--drop-invalid-packets (on by default, as upstream).</summary>
    public bool DropInvalidPackets { get; set; } = true;

    /// <summary>--drop-invalid-packets-log.</summary>
    public bool DropInvalidPacketsLog { get; set; }

    /// <summary>--rfc5766-channel-numbers.</summary>
    public bool Rfc5766ChannelNumbers { get; set; }

    /// <summary>--drain-min-allocations.</summary>
    public int DrainMinAllocations { get; set; }

    // ---------------------------------------------------------------- peer access control

    /// <summary>--allow-loopback-peers.</summary>
    public bool AllowLoopbackPeers { get; set; }

    /// <summary>--no-multicast-peers.</summary>
    public bool NoMulticastPeers { get; set; }

    /// <summary>--allowed-peer-ip (repeatable).</summary>
    public List<IpRange> AllowedPeerIps { get; } = [];

    /// <summary>--denied-peer-ip (repeatable).</summary>
    public List<IpRange> DeniedPeerIps { get; } = [];

    /// <summary>--no-dynamic-ip-list.</summary>
    public bool NoDynamicIpList { get; set; }

    // ---------------------------------------------------------------- STUN

    /// <summary>-S/--stun-only.</summary>
    public bool StunOnly { get; set; }

    /// <summary>--no-stun.</summary>
    public bool NoStun { get; set; }

    /// <summary>--secure-stun.</summary>
    public bool SecureStun { get; set; }

    /// <summary>--no-rfc5780 (--rfc5780 clears it).</summary>
    public bool NoRfc5780 { get; set; }

    /// <summary>--no-stun-backward-compatibility (--stun-backward-compatibility clears it).</summary>
    public bool NoStunBackwardCompatibility { get; set; }

    /// <summary>--response-origin-only-with-rfc5780.</summary>
    public bool ResponseOriginOnlyWithRfc5780 { get; set; }

    /// <summary>-f/--fingerprint.</summary>
    public bool Fingerprint { get; set; }

    /// <summary>--no-software-attribute (also set by --prod; --software-attribute clears it).</summary>
    public bool NoSoftwareAttribute { get; set; }

    /// <summary>--rfc3489-compatibility.</summary>
    public bool Rfc3489Compatibility { get; set; }

    /// <summary>--include-reason-string.</summary>
    public bool IncludeReasonString { get; set; }

    /// <summary>--respond-http-unsupported.</summary>
    public bool RespondHttpUnsupported { get; set; }

    // ---------------------------------------------------------------- authentication

    /// <summary>-a/--lt-cred-mech.</summary>
    public bool LtCredMech { get; set; }

    /// <summary>-z/--no-auth.</summary>
    public bool NoAuth { get; set; }

    /// <summary>-u/--user (repeatable).</summary>
    public List<UserEntry> Users { get; } = [];

    /// <summary>-r/--realm.</summary>
    public string? Realm { get; set; }

    /// <summary>--check-origin-consistency.</summary>
    public bool CheckOriginConsistency { get; set; }

    /// <summary>--use-auth-secret.</summary>
    public bool UseAuthSecret { get; set; }

    /// <summary>--static-auth-secret (repeatable).</summary>
    public List<string> StaticAuthSecrets { get; } = [];

    /// <summary>-C/--rest-api-separator.</summary>
    public char RestApiSeparator { get; set; } = ':';

    /// <summary>--no-auth-pings.</summary>
    public bool NoAuthPings { get; set; }

    /// <summary>--no-dynamic-realms.</summary>
    public bool NoDynamicRealms { get; set; }

    /// <summary>--oauth.</summary>
    public bool OAuth { get; set; }

    /// <summary>--server-name (default: the realm).</summary>
    public string? ServerName { get; set; }

    /// <summary>--stale-nonce: nonce lifetime in seconds; null = option not given; 0 = unlimited.</summary>
    public int? StaleNonce { get; set; }

    /// <summary>--stateless-nonce.</summary>
    public bool StatelessNonce { get; set; }

    /// <summary>--stateless-nonce-secret.</summary>
    public string? StatelessNonceSecret { get; set; }

    /// <summary>--unauthorized-ratelimit.</summary>
    public bool UnauthorizedRatelimit { get; set; }

    /// <summary>--unauthorized-ratelimit-rps.</summary>
    public int UnauthorizedRatelimitRps { get; set; } = 10;

    // ---------------------------------------------------------------- databases

    /// <summary>-b/--userdb/--db (SQLite file).</summary>
    public string? UserDb { get; set; }

    /// <summary>-e/--psql-userdb/--sql-userdb.</summary>
    public string? PsqlUserDb { get; set; }

    /// <summary>-M/--mysql-userdb.</summary>
    public string? MysqlUserDb { get; set; }

    /// <summary>--secret-key-file.</summary>
    public string? SecretKeyFile { get; set; }

    /// <summary>-J/--mongo-userdb.</summary>
    public string? MongoUserDb { get; set; }

    /// <summary>-N/--redis-userdb.</summary>
    public string? RedisUserDb { get; set; }

    /// <summary>-O/--redis-statsdb.</summary>
    public string? RedisStatsDb { get; set; }

    /// <summary>Which of the user-database options was given last (coturn uses only that one).</summary>
    public UserDbType UserDbType { get; set; }

    // ---------------------------------------------------------------- quotas

    /// <summary>-q/--user-quota (0 = unlimited).</summary>
    public int UserQuota { get; set; }

    /// <summary>-Q/--total-quota (0 = unlimited).</summary>
    public int TotalQuota { get; set; }

    /// <summary>-s/--max-bps (0 = unlimited).</summary>
    public long MaxBps { get; set; }

    /// <summary>-B/--bps-capacity (0 = unlimited).</summary>
    public long BpsCapacity { get; set; }

    // ---------------------------------------------------------------- TLS / DTLS

    /// <summary>--cert as given (searched like the configuration file).</summary>
    public string Cert { get; set; } = "turn_server_cert.pem";

    /// <summary>--pkey as given (searched like the configuration file).</summary>
    public string Pkey { get; set; } = "turn_server_pkey.pem";

    /// <summary>--pkey-pwd.</summary>
    public string? PkeyPwd { get; set; }

    /// <summary>--cipher-list.</summary>
    public string CipherList { get; set; } = "DEFAULT";

    /// <summary>--CA-file.</summary>
    public string? CaFile { get; set; }

    /// <summary>--ec-curve-name.</summary>
    public string? EcCurveName { get; set; }

    /// <summary>--dh566.</summary>
    public bool Dh566 { get; set; }

    /// <summary>--dh1066.</summary>
    public bool Dh1066 { get; set; }

    /// <summary>--dh-file.</summary>
    public string? DhFile { get; set; }

    /// <summary>--no-tlsv1 (--tlsv1 clears it).</summary>
    public bool NoTlsv1 { get; set; }

    /// <summary>--no-tlsv1_1 (--tlsv1_1 clears it).</summary>
    public bool NoTlsv1_1 { get; set; }

    /// <summary>--no-tlsv1_2.</summary>
    public bool NoTlsv1_2 { get; set; }

    /// <summary>--acme-redirect.</summary>
    public string? AcmeRedirect { get; set; }

    /// <summary>--raw-public-keys.</summary>
    public bool RawPublicKeys { get; set; }

    /// <summary>Full path of the certificate file found by the search rules, or null (not needed or not found).</summary>
    public string? ResolvedCertFile { get; set; }

    /// <summary>Full path of the private key file found by the search rules, or null.</summary>
    public string? ResolvedPkeyFile { get; set; }

    /// <summary>Full path of the CA file, or null.</summary>
    public string? ResolvedCaFile { get; set; }

    /// <summary>Full path of the DH parameters file, or null.</summary>
    public string? ResolvedDhFile { get; set; }

    // ---------------------------------------------------------------- load balancing

    /// <summary>--alternate-server (repeatable; default port 3478).</summary>
    public List<ServerAddress> AlternateServers { get; } = [];

    /// <summary>--tls-alternate-server (repeatable; default port 5349).</summary>
    public List<ServerAddress> TlsAlternateServers { get; } = [];

    /// <summary>--udp-alternate-server (repeatable; default port 3478).</summary>
    public List<ServerAddress> UdpAlternateServers { get; } = [];

    /// <summary>--tcp-alternate-server (repeatable; default port 3478).</summary>
    public List<ServerAddress> TcpAlternateServers { get; } = [];

    // ---------------------------------------------------------------- logging

    /// <summary>-v/--verbose and -V/--Verbose.</summary>
    public LogVerbosity Verbose { get; set; } = LogVerbosity.Normal;

    /// <summary>-l/--log-file: null = default location; "stdout", "-" and "syslog" are special.</summary>
    public string? LogFile { get; set; }

    /// <summary>--no-stdout-log.</summary>
    public bool NoStdoutLog { get; set; }

    /// <summary>--syslog.</summary>
    public bool Syslog { get; set; }

    /// <summary>--syslog-facility, normalised to the LOG_XXX form; null = default (LOG_USER).</summary>
    public string? SyslogFacility { get; set; }

    /// <summary>--simple-log.</summary>
    public bool SimpleLog { get; set; }

    /// <summary>--new-log-timestamp.</summary>
    public bool NewLogTimestamp { get; set; }

    /// <summary>--new-log-timestamp-format (strftime syntax).</summary>
    public string? NewLogTimestampFormat { get; set; }

    /// <summary>--log-binding.</summary>
    public bool LogBinding { get; set; }

    /// <summary>--log-min-level; null = log everything.</summary>
    public TurnLogLevel? LogMinLevel { get; set; }

    // ---------------------------------------------------------------- management

    /// <summary>--no-cli (--cli clears it). coturn 4.6.1 default: CLI on.</summary>
    public bool NoCli { get; set; }

    /// <summary>--cli-ip.</summary>
    public IPAddress CliIp { get; set; } = IPAddress.Loopback;

    /// <summary>--cli-port.</summary>
    public int CliPort { get; set; } = 5766;

    /// <summary>--cli-password (plain or $5$salt$sha256).</summary>
    public string? CliPassword { get; set; }

    /// <summary>--cli-max-output-sessions.</summary>
    public int CliMaxOutputSessions { get; set; } = 256;

    /// <summary>--web-admin.</summary>
    public bool WebAdmin { get; set; }

    /// <summary>--web-admin-ip.</summary>
    public IPAddress WebAdminIp { get; set; } = IPAddress.Loopback;

    /// <summary>--web-admin-port.</summary>
    public int WebAdminPort { get; set; } = 8080;

    /// <summary>--web-admin-listen-on-workers.</summary>
    public bool WebAdminListenOnWorkers { get; set; }

    /// <summary>--prometheus.</summary>
    public bool Prometheus { get; set; }

    /// <summary>--prometheus-port.</summary>
    public int PrometheusPort { get; set; } = 9641;

    /// <summary>--prometheus-username-labels.</summary>
    public bool PrometheusUsernameLabels { get; set; }

    /// <summary>--prometheus-address; null = any.</summary>
    public IPAddress? PrometheusAddress { get; set; }

    /// <summary>--prometheus-path.</summary>
    public string PrometheusPath { get; set; } = "/metrics";

    /// <summary>--prometheus-tls.</summary>
    public bool PrometheusTls { get; set; }

    /// <summary>--prometheus-cert.</summary>
    public string? PrometheusCert { get; set; }

    /// <summary>--prometheus-key.</summary>
    public string? PrometheusKey { get; set; }

    // ---------------------------------------------------------------- provenance

    /// <summary>Long names of the options that were given (file or command line).</summary>
    public IReadOnlyCollection<string> ExplicitOptions => sources.Keys;

    /// <summary>True when the option (long name) was given in the file or on the command line.</summary>
    public bool IsSet(string longName) => sources.ContainsKey(longName);

    /// <summary>Where the option was last given: "file:line" or "command line"; null if not given.</summary>
    public string? GetSource(string longName) => sources.GetValueOrDefault(longName);

    internal void RecordSource(string longName, string source) => sources[longName] = source;
}
