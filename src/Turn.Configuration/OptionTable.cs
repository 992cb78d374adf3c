using System.Collections.Frozen;
using C = Turn.Configuration.TurnServerConfig;
using P = Turn.Configuration.ValueParsers;

namespace Turn.Configuration;

/// <summary>
/// The single declaration of every turnserver option. The command line, the config file, -h and the man page are all
/// driven from <see cref="All"/>.
/// </summary>
public static partial class OptionTable
{
    /// <summary>coturn's getopt short-option string; a letter followed by ':' takes a value.</summary>
    public const string ShortOptionString = "c:d:p:L:E:X:i:m:l:r:u:b:B:e:M:J:N:O:q:Q:s:C:K:A:vVofhznaS";

    private static readonly (string Name, string Value)[] SyslogFacilities =
    [
        .. new[]
        {
            "LOG_USER", "LOG_DAEMON", "LOG_AUTH", "LOG_AUTHPRIV", "LOG_CRON", "LOG_FTP", "LOG_KERN", "LOG_LPR",
            "LOG_MAIL", "LOG_NEWS", "LOG_SYSLOG", "LOG_UUCP", "LOG_LOCAL0", "LOG_LOCAL1", "LOG_LOCAL2", "LOG_LOCAL3",
            "LOG_LOCAL4", "LOG_LOCAL5", "LOG_LOCAL6", "LOG_LOCAL7",
        }.SelectMany(f => new[] { (f, f), (f[4..].ToLowerInvariant(), f) }),
    ];

    /// <summary>Every option, in help/man order (grouped by <see cref="OptionDefinition.Section"/>).</summary>
    public static IReadOnlyList<OptionDefinition> All { get; } = Build();

    private static readonly FrozenDictionary<string, OptionDefinition> ByLong =
        All.SelectMany(o => o.LongNames.Select(n => (n, o))).ToFrozenDictionary(p => p.n, p => p.o, StringComparer.Ordinal);

    private static readonly FrozenDictionary<char, OptionDefinition> ByShort =
        All.Where(o => o.ShortName is not null).ToFrozenDictionary(o => o.ShortName!.Value, o => o);

    /// <summary>Finds an option by exact long name or alias (case-sensitive; short-only options are not found).</summary>
    public static OptionDefinition? FindLong(string name) => ByLong.GetValueOrDefault(name);

    /// <summary>Finds an option by its short letter.</summary>
    public static OptionDefinition? FindShort(char letter) => ByShort.GetValueOrDefault(letter);

    /// <summary>All long names and aliases.</summary>
    public static IEnumerable<string> LongNames => ByLong.Keys;

    /// <summary>Human-readable section titles.</summary>
    public static string SectionTitle(OptionSection section) => section switch
    {
        OptionSection.General => "Configuration file and process",
        OptionSection.Listeners => "Client-facing listeners",
        OptionSection.Relay => "Relay endpoints and allocations",
        OptionSection.PeerAccess => "Peer address access control",
        OptionSection.Stun => "STUN behaviour",
        OptionSection.Authentication => "Authentication and realms",
        OptionSection.Databases => "User and statistics databases",
        OptionSection.Quotas => "Quotas and bandwidth",
        OptionSection.Tls => "TLS and DTLS",
        OptionSection.LoadBalancing => "Load balancing",
        OptionSection.Logging => "Logging",
        OptionSection.Management => "Management interfaces",
        OptionSection.Obsolete => "Obsolete options (accepted and ignored)",
        _ => section.ToString(),
    };

    private static OptionDefinition[] Build()
    {
        OptionDefinition[][] sections =
        [
            Section(OptionSection.General,
                Special("c", ArgumentKind.Required, hasLongName: false).Short('c').Impl().Arg("<file>")
                    .Default("turnserver.conf")
                    .Help("Read this configuration file. A relative name is looked up in the search path (see CONFIGURATION FILE)."),
                Special("n", ArgumentKind.None, hasLongName: false).Short('n').Impl()
                    .Help("Do not read any configuration file; use only the command line."),
                Special("h", ArgumentKind.None, hasLongName: false).Short('h').Impl()
                    .Help("Print this help and exit."),
                Special("version", ArgumentKind.OptionalBoolean, hasLongName: true).Impl()
                    .Help("Print the version and exit."),
                Flag("daemon", c => c.Daemon).Short('o')
                    .Help("Detach from the terminal and run in the background."),
                Str("pidfile", c => c.PidFile, allowEmpty: true).Impl().Arg("<file>")
                    .Default("/var/run/turnserver.pid as root, else /var/tmp/turnserver.pid")
                    .Help("Write the process id to this file. An empty value writes no pid file."),
                Str("proc-user", c => c.ProcUser).Impl().Arg("<user>")
                    .Help("After the listeners are bound, switch the process to this user (name or uid) and, unless "
                          + "proc-group says otherwise, its primary group; supplementary groups are cleared. A failure is fatal."),
                Str("proc-group", c => c.ProcGroup).Impl().Arg("<group>")
                    .Help("After the listeners are bound, switch the process to this group (name or gid)."),
                new OptionBuilder("relay-threads", ArgumentKind.Required, ValueKind.Integer).Short('m').Impl()
                    .Property((C c) => c.RelayThreads).Default("number of CPUs")
                    .Applies((c, v, ctx) =>
                    {
                        var n = P.ParseInt(v, 0, int.MaxValue);
                        if (n > 128)
                        {
                            ctx.Warn("relay-threads: at most 128 relay threads are used; value " + v + " lowered to 128");
                            n = 128;
                        }

                        c.RelayThreads = n;
                    })
                    .Help("Number of relay threads. 0 runs everything on a single thread (at most 128)."),
                Int("cpus", (C c) => c.Cpus, 1).Impl().Since("4.8.0").Default("detected")
                    .Help("Number of CPUs to assume instead of the detected count (useful in containers)."),
                Int("ne", (C c) => c.Ne, 1, 3).Arg("<1|2|3>")
                    .Help("coturn network engine type; accepted for compatibility only.")
            ),
            Section(OptionSection.Listeners,
                Str("listening-device", c => c.ListeningDevice).Short('d').Security().Arg("<device>")
                    .Help("Bind the listeners to this network interface (Linux only; not recommended)."),
                Port("listening-port", c => c.ListeningPort, allowZero: true).Short('p').Impl()
                    .Help("UDP and TCP listening port for STUN and TURN. Both listeners also accept TLS/DTLS if available."),
                Port("tls-listening-port", c => c.TlsListeningPort).Impl()
                    .Help("TLS and DTLS listening port. Plain STUN/TURN is accepted there too."),
                Port("alt-listening-port", c => c.AltListeningPort, allowZero: true).Impl().Default("listening-port + 1")
                    .Help("Alternative port for RFC 5780 / RFC 3489 CHANGE-REQUEST handling. 0 means the default."),
                Port("alt-tls-listening-port", c => c.AltTlsListeningPort, allowZero: true).Impl()
                    .Default("tls-listening-port + 1")
                    .Help("Alternative TLS/DTLS port. 0 means the default."),
                Port("tcp-proxy-port", c => c.TcpProxyPort, allowZero: true).Impl().Default("none")
                    .Help("Port that accepts TCP connections from a load balancer speaking the HAProxy PROXY protocol (v2)."),
                RangeList("tcp-proxy-allowed-ip", c => c.TcpProxyAllowedIps).Impl().Arg("<ip[-ip]|cidr>")
                    .Default("loopback and private addresses")
                    .Help("Load balancer address, range (from-to) or CIDR block whose connections to tcp-proxy-port may carry a "
                          + "PROXY header; repeatable. A PROXY header lets its sender claim any client address (and that "
                          + "client's limits and throttling), so connections from anywhere else are closed unread. Without "
                          + "this option only loopback and private sources are trusted (127.0.0.0/8, ::1, 10.0.0.0/8, "
                          + "172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10, fc00::/7), where a load balancer in front of "
                          + "the server normally sits, so an existing setup keeps working while the internet at large is "
                          + "refused; a load balancer with a public address must be named here."),
                Int("tcp-message-timeout", (C c) => c.TcpMessageTimeout, 1).Impl().Arg("<seconds>")
                    .Help("Time a TCP or TLS client has to complete each STUN/ChannelData message once its first byte "
                          + "arrived; a connection that misses it is closed, allocation or not. A client sending a byte now "
                          + "and then, never a whole message, holds its buffer and its connection slot for no longer."),
                Int("tcp-idle-timeout", (C c) => c.TcpIdleTimeout, 1).Impl().Arg("<seconds>")
                    .Help("A TCP or TLS client connection without an allocation that completes no message for this long is "
                          + "closed. Only whole messages count; with an allocation, its lifetime decides instead."),
                Int("max-connections-per-source", (C c) => c.MaxConnectionsPerSource, 1).Impl().Arg("<number>")
                    .Help("TCP and TLS client connections open at once from one source, over all listeners (for "
                          + "tcp-proxy-port, the client the PROXY header names). A source is an IPv4 address or an IPv6 /64: "
                          + "one host is normally given a whole /64, so counting single IPv6 addresses would not bound it. "
                          + "Further connections are closed at once."),
                IpList("listening-ip", c => c.ListeningIps).Short('L').Impl().Default("all non-link-local system addresses")
                    .Help("Address to listen on."),
                List("aux-server", (C c) => c.AuxServers, ValueKind.ServerAddress, (v, ctx) => P.ParseServerAddress(v, 0, ctx))
                    .Arg("<ip:port>")
                    .Help("Extra listening endpoint (1.2.3.4:5555 or [1:2::3:4]:5555). Auxiliary endpoints do not do RFC 5780."),
                Flag("udp-self-balance", c => c.UdpSelfBalance)
                    .Help("Spread UDP clients over the auxiliary endpoints with 300 ALTERNATE-SERVER replies."),
                Flag("no-udp", c => c.NoUdp).Impl().Help("Do not open UDP client listeners."),
                Flag("no-tcp", c => c.NoTcp).Impl().Help("Do not open TCP client listeners."),
                Flag("no-tls", c => c.NoTls).Impl().Help("Do not open TLS client listeners."),
                Flag("no-dtls", c => c.NoDtls).Impl()
                    .Help("Do not open DTLS client listeners. Otherwise, with a certificate, DTLS (1.2 and 1.0, stateless "
                          + "cookies) is served on UDP at tls-listening-port and detected on the plain UDP port."),
                FlagNot("dtls", c => c.NoDtls).Impl().Since("4.17.0")
                    .Help("Open DTLS client listeners (the opposite of --no-dtls; on by default in this build)."),
                Int("dtls-max-handshakes", (C c) => c.DtlsMaxHandshakes, 1).Impl().Arg("<number>")
                    .Help("DTLS handshakes in progress at once. A handshake starts only after the client returned the "
                          + "stateless cookie (so a forged source address cannot start one); beyond the bound its "
                          + "ClientHello is dropped and the client's retransmission may find room."),
                Int("dtls-max-handshakes-per-source", (C c) => c.DtlsMaxHandshakesPerSource, 1).Impl().Arg("<number>")
                    .Help("DTLS handshakes in progress at once from one source (an IPv4 address or an IPv6 /64), so one "
                          + "host cannot take every dtls-max-handshakes slot; a browser opens one or two at a time."),
                Int("sock-buf-size", (C c) => c.SockBufSize, 1).Impl().Since("4.8.0").Arg("<bytes>").Default("4194304")
                    .Help("Size of UDP socket send and receive buffers.")
            ),
            Section(OptionSection.Relay,
                Str("relay-device", c => c.RelayDevice).Short('i').Security().Arg("<device>")
                    .Help("Bind relay sockets to this network interface (Linux only; not recommended)."),
                IpList("relay-ip", c => c.RelayIps).Impl().Short('E').Default("the address the client connected to")
                    .Help("Local address used for relayed traffic."),
                List("external-ip", (C c) => c.ExternalIps, ValueKind.ExternalIp, P.ParseExternalIp).Impl().Short('X')
                    .Help("Public address to report when the server is behind a 1:1 NAT: either one public address, "
                          + "or public/private pairs, one per relay address."),
                Port("min-port", c => c.MinPort).Impl().Help("Lowest relay port."),
                Port("max-port", c => c.MaxPort).Impl().Help("Highest relay port."),
                Flag("no-udp-relay", c => c.NoUdpRelay).Impl().Help("Refuse UDP relay allocations."),
                Flag("no-tcp-relay", c => c.NoTcpRelay).Impl().Help("Refuse TCP relay allocations (RFC 6062)."),
                Flag("server-relay", c => c.ServerRelay).Impl()
                    .Help("Non-standard and dangerous: accept data on relay endpoints without a permission check."),
                FlagDo("keep-address-family", (c, v) =>
                    {
                        c.KeepAddressFamily = v;
                        if (v)
                        {
                            c.AllocationDefaultAddressFamily = AddressFamilyPolicy.Keep;
                        }
                    }).Impl()
                    .Short('K').Property((C c) => c.KeepAddressFamily)
                    .Deprecated("use --allocation-default-address-family=keep")
                    .Help("Relay in the address family of the client connection (same as -A keep)."),
                Enum("allocation-default-address-family", (C c) => c.AllocationDefaultAddressFamily,
                        ("ipv4", AddressFamilyPolicy.Ipv4), ("ipv6", AddressFamilyPolicy.Ipv6), ("keep", AddressFamilyPolicy.Keep)).Impl()
                    .Short('A')
                    .Help("Relay address family used when the client does not ask for one. RFC 6156 says ipv4; "
                          + "keep uses the family of the client connection."),
                OptInt("max-allocate-lifetime", (C c) => c.MaxAllocateLifetime, 3600, 1).Impl().Arg("<seconds>")
                    .Help("Longest allocation lifetime granted."),
                OptInt("channel-lifetime", (C c) => c.ChannelLifetime, 600, 1).Impl().Arg("<seconds>")
                    .Help("Channel binding lifetime. Do not change it in production."),
                OptInt("permission-lifetime", (C c) => c.PermissionLifetime, 300, 1).Impl().Arg("<seconds>")
                    .Help("Permission lifetime. Do not change it in production."),
                Int("max-allocate-timeout", (C c) => c.MaxAllocateTimeout, 1).Impl().Arg("<seconds>")
                    .Help("Time a TCP or TLS client connection has to complete an allocation: a connection without one "
                          + "this long after it was opened is closed, however busy (3 seconds with --stun-only)."),
                Int("max-permissions-per-allocation", (C c) => c.MaxPermissionsPerAllocation, 1, 65535).Impl().Arg("<number>")
                    .Help("Peer IP addresses one allocation may hold permissions for; a CreatePermission or ChannelBind "
                          + "that needs more gets 508 Insufficient Capacity (RFC 8656). Not in coturn, which has no limit."),
                Int("max-channels-per-allocation", (C c) => c.MaxChannelsPerAllocation, 1, 16384).Impl().Arg("<number>")
                    .Help("Channel bindings one allocation may hold (ended ones count for the five minutes RFC 8656 keeps "
                          + "them reserved); a ChannelBind beyond it gets 508 Insufficient Capacity. Not in coturn."),
                Flag("mobility", c => c.Mobility).Help("Support RFC 8016 mobility (MICE)."),
                Flag("rfc5766-channel-numbers", c => c.Rfc5766ChannelNumbers).Impl().Since("4.16.0")
                    .Help("Also accept the old RFC 5766 channel numbers 0x5000-0x7FFF in ChannelBind; without it they get 400 "
                          + "(RFC 8656). coturn 4.6.1's turnutils_uclient picks channels from 0x4000-0x7FFF and needs it."),
                Switch("multiplex-peer", c => c.MultiplexPeer).Since("4.12.0")
                    .Help("Non-standard: share one relay UDP socket per thread among allocations (no EVEN-PORT)."),
                Port("multiplex-peer-port", c => c.MultiplexPeerPort).Since("4.12.0")
                    .Help("First port of the shared relay sockets (two per thread)."),
                Int("multiplex-peer-max-peers", (C c) => c.MultiplexPeerMaxPeers, 1).Since("4.16.0")
                    .Help("Peer endpoints per allocation with --multiplex-peer."),
                Flag("udp-recvmmsg", c => c.UdpRecvmmsg).Since("4.10.0")
                    .Help("Receive UDP datagrams in batches (Linux recvmmsg)."),
                Flag("udp-gso", c => c.UdpGso).Since("4.12.0")
                    .Help("Send UDP datagrams in batches with generic segmentation offload (Linux)."),
                Flag("drop-invalid-packets", c => c.DropInvalidPackets).Since("4.8.0")
                    .Help("Drop malformed packets early, before they reach a session."),
                Int("drain-min-allocations", (C c) => c.DrainMinAllocations, 0).Since("4.15.0")
                    .Help("After SIGUSR1 (drain), exit once no more than this many allocations remain.")
            ),
            Section(OptionSection.PeerAccess,
                Flag("allow-loopback-peers", c => c.AllowLoopbackPeers).Impl()
                    .Help("Allow peers on loopback addresses (127.x.x.x, ::1). Not for production; "
                          + "refused unless the CLI is off or has a password."),
                Flag("no-multicast-peers", c => c.NoMulticastPeers).Impl()
                    .Help("Refuse peers on multicast and broadcast addresses (224.0.0.0 and above, ff00::/8)."),
                RangeList("allowed-peer-ip", c => c.AllowedPeerIps).Impl()
                    .Help("Peer address or range (from-to) that is allowed even when a denied range matches."),
                RangeList("denied-peer-ip", c => c.DeniedPeerIps).Impl()
                    .Help("Peer address or range (from-to) that is refused."),
                Flag("no-dynamic-ip-list", c => c.NoDynamicIpList).Impl()
                    .Help("Do not read allowed/denied peer ranges from the database.")
            ),
            Section(OptionSection.Stun,
                Flag("stun-only", c => c.StunOnly).Short('S').Impl()
                    .Help("Answer STUN only; ignore all TURN requests."),
                Flag("no-stun", c => c.NoStun).Impl().Help("Answer TURN only; ignore STUN Binding requests."),
                Flag("secure-stun", c => c.SecureStun).Security().Help("Require authentication for STUN Binding requests."),
                Flag("no-rfc5780", c => c.NoRfc5780).Impl()
                    .Help("Turn off NAT behaviour discovery (RFC 5780), which otherwise is on when there are two "
                          + "listening addresses. Recommended: it enlarges responses."),
                FlagNot("rfc5780", c => c.NoRfc5780).Impl().Since("4.7.0")
                    .Help("Turn on NAT behaviour discovery (the opposite of --no-rfc5780)."),
                Flag("no-stun-backward-compatibility", c => c.NoStunBackwardCompatibility).Impl()
                    .Help("Ignore classic RFC 3489 Binding requests and leave MAPPED-ADDRESS out of responses."),
                FlagNot("stun-backward-compatibility", c => c.NoStunBackwardCompatibility).Impl().Since("4.7.0")
                    .Help("Handle classic RFC 3489 requests and send MAPPED-ADDRESS (the opposite of the above)."),
                Flag("rfc3489-compatibility", c => c.Rfc3489Compatibility).Since("4.16.0")
                    .Help("Answer classic STUN requests without the magic cookie."),
                Flag("response-origin-only-with-rfc5780", c => c.ResponseOriginOnlyWithRfc5780).Impl()
                    .Help("Send RESPONSE-ORIGIN only when NAT behaviour discovery is on."),
                Flag("fingerprint", c => c.Fingerprint).Short('f').Impl()
                    .Help("Add FINGERPRINT to every message."),
                Flag("no-software-attribute", c => c.NoSoftwareAttribute).Impl()
                    .Help("Do not send the SOFTWARE attribute (hides the server version)."),
                FlagNot("software-attribute", c => c.NoSoftwareAttribute).Impl().Since("4.7.0")
                    .Help("Send the SOFTWARE attribute (the opposite of --no-software-attribute)."),
                Flag("prod", c => c.NoSoftwareAttribute).Impl().Deprecated("use --no-software-attribute")
                    .Help("Old name of --no-software-attribute."),
                Flag("include-reason-string", c => c.IncludeReasonString).Since("4.10.0")
                    .Help("Put descriptive reason phrases in error responses."),
                Flag("respond-http-unsupported", c => c.RespondHttpUnsupported).Since("4.6.3")
                    .Help("Answer HTTP requests on the TURN ports with 400 instead of closing the connection.")
            ),
            Section(OptionSection.Authentication,
                Flag("lt-cred-mech", c => c.LtCredMech).Impl().Short('a')
                    .Help("Use the long-term credential mechanism."),
                Flag("no-auth", c => c.NoAuth).Impl().Short('z')
                    .Help("Allow anonymous access (the default when no credential option is given)."),
                List("user", (C c) => c.Users, ValueKind.User, (v, _) => P.ParseUser(v)).Impl().Secret(ValueSecrecy.UserEntry).Short('u')
                    .Help("Long-term credential user, as name:password or name:0xKEY (key from turnadmin -k). "
                          + "Not usable with --use-auth-secret."),
                Str("realm", c => c.Realm).Impl().Short('r').Arg("<realm>")
                    .Help("Default realm, used when no origin-to-realm mapping applies."),
                Flag("check-origin-consistency", c => c.CheckOriginConsistency).Impl()
                    .Help("Require every request of an allocation to carry the ORIGIN its Allocate carried (and none if "
                          + "it had none); others get 441."),
                Flag("use-auth-secret", c => c.UseAuthSecret).Impl()
                    .Help("Use the TURN REST API: time-limited credentials derived from a shared secret."),
                List("static-auth-secret", (C c) => c.StaticAuthSecrets, ValueKind.String, (v, _) => P.RequireValue(v)).Impl().Secret()
                    .Arg("<secret>")
                    .Help("Shared secret for the TURN REST API. Without it the secrets are read from the database."),
                new OptionBuilder("rest-api-separator", ArgumentKind.Required, ValueKind.Character).Impl().Short('C')
                    .Property((C c) => c.RestApiSeparator).Default("':'")
                    .Applies((c, v, _) => c.RestApiSeparator = P.ParseChar(v))
                    .Help("Separator between timestamp and user name in TURN REST API user names."),
                Flag("no-auth-pings", c => c.NoAuthPings)
                    .Help("Do not check the database secret tables periodically."),
                Flag("no-dynamic-realms", c => c.NoDynamicRealms).Impl()
                    .Help("Do not read origin-to-realm mappings and realm options from the database."),
                Flag("oauth", c => c.OAuth).Impl().Help("Accept third-party authorization (RFC 7635)."),
                Str("server-name", c => c.ServerName).Impl().Arg("<name>").Default("the realm")
                    .Help("Server name for third-party authorization."),
                OptInt("stale-nonce", (C c) => c.StaleNonce, 600, 0).Impl().Arg("<seconds>")
                    .Default("off; 600 when given without a value")
                    .Help("Give nonces a limited lifetime. 0 means unlimited."),
                Flag("stateless-nonce", c => c.StatelessNonce).Impl().Since("4.16.0")
                    .Help("Use HMAC-protected timestamp nonces that need no per-client state."),
                Str("stateless-nonce-secret", c => c.StatelessNonceSecret).Secret().Since("4.16.0").Arg("<secret>")
                    .Help("Secret for stateless nonces, shared by a fleet of servers."),
                Flag("unauthorized-ratelimit", c => c.UnauthorizedRatelimit).Security().Since("4.14.0")
                    .Help("Rate-limit 401 responses to UDP clients per source address."),
                OptInt("unauthorized-ratelimit-rps", (C c) => c.UnauthorizedRatelimitRps, 10, 1).Since("4.14.0")
                    .Help("401 responses per second allowed by --unauthorized-ratelimit.")
            ),
            Section(OptionSection.Databases,
                FilePath("userdb", c => c.UserDb).Impl().Short('b').Alias("db")
                    .Then(c => c.UserDbType = UserDbType.Sqlite)
                    .Default("/var/lib/turn/turndb (also tried: /var/db/turndb, /usr/local/var/db/turndb)")
                    .Help("SQLite user database file."),
                Str("psql-userdb", c => c.PsqlUserDb).Secret(ValueSecrecy.ConnectionString).Impl().Short('e').Alias("sql-userdb").Arg("<conninfo>")
                    .Then(c => c.UserDbType = UserDbType.PostgreSql)
                    .Help("PostgreSQL user database connection string (\"host=... dbname=... user=... password=...\" "
                          + "or a postgresql:// URI)."),
                Str("mysql-userdb", c => c.MysqlUserDb).Secret(ValueSecrecy.ConnectionString).Impl().Short('M').Arg("<conninfo>")
                    .Then(c => c.UserDbType = UserDbType.MySql)
                    .Help("MySQL/MariaDB user database connection string (\"host=... dbname=... user=... password=... "
                          + "port=...\", optional ca, capath, cert, key, cipher)."),
                FilePath("secret-key-file", c => c.SecretKeyFile)
                    .Help("AES key file; the MySQL password in --mysql-userdb is then encrypted (turnadmin -E)."),
                Str("mongo-userdb", c => c.MongoUserDb).Secret(ValueSecrecy.ConnectionString).Short('J').Arg("<uri>")
                    .Then(c => c.UserDbType = UserDbType.MongoDb)
                    .Help("MongoDB user database URI."),
                Str("redis-userdb", c => c.RedisUserDb).Secret(ValueSecrecy.ConnectionString).Impl().Short('N').Arg("<conninfo>")
                    .Then(c => c.UserDbType = UserDbType.Redis)
                    .Help("Redis user database connection string (\"ip=... dbname=... password=... port=...\")."),
                Str("redis-statsdb", c => c.RedisStatsDb).Secret(ValueSecrecy.ConnectionString).Short('O').Impl().Arg("<conninfo>")
                    .Help("Redis database for allocation status and traffic events (same syntax).")
            ),
            Section(OptionSection.Quotas,
                Int("user-quota", (C c) => c.UserQuota, 0).Impl().Short('q')
                    .Help("Concurrent allocations per user; 0 means unlimited."),
                Int("total-quota", (C c) => c.TotalQuota, 0).Impl().Short('Q')
                    .Help("Concurrent allocations in total; 0 means unlimited."),
                Long("max-bps", c => c.MaxBps).Impl().Short('s').Arg("<bytes/s>")
                    .Help("Bandwidth per session and direction in bytes per second; 0 means unlimited."),
                Long("bps-capacity", c => c.BpsCapacity).Impl().Short('B').Arg("<bytes/s>")
                    .Help("Bandwidth of the whole server in bytes per second; 0 means unlimited. As in coturn, each session "
                          + "with a max-bps reserves that much of it while it lives (the last one gets what is left); when none "
                          + "is left, Allocate fails with 486. Sessions without a max-bps reserve nothing.")
            ),
            Section(OptionSection.Tls,
                Str("cert", c => c.Cert, kind: ValueKind.File).Impl()
                    .Help("Certificate chain (PEM, leaf first), searched like the configuration file. Without a readable "
                          + "certificate the TLS and DTLS listeners are not started; a cert option naming a missing file "
                          + "is an error. Re-read on SIGUSR2 and SIGHUP."),
                Str("pkey", c => c.Pkey, kind: ValueKind.File).Impl()
                    .Help("Private key (PEM), searched like the configuration file; may be the certificate file itself."),
                Str("pkey-pwd", c => c.PkeyPwd).Secret().Impl().Arg("<password>")
                    .Help("Password of an encrypted private key (PKCS#8, BEGIN ENCRYPTED PRIVATE KEY)."),
                Str("cipher-list", c => c.CipherList).Impl().Arg("<ciphers>")
                    .Help("Allowed TLS cipher suites: OpenSSL or IANA suite names separated by ':'. TLS 1.3 suites stay "
                          + "enabled unless some are named; keyword expressions (HIGH, !aNULL...) keep the system default. "
                          + "DTLS keeps the named ECDHE suites with AES-GCM, ChaCha20-Poly1305 or AES-CBC-SHA it has."),
                FilePath("CA-file", c => c.CaFile).Impl()
                    .Help("CA bundle (PEM); when given, clients must present a certificate signed by it."),
                Str("ec-curve-name", c => c.EcCurveName).Arg("<curve>").Default("automatic")
                    .Help("Elliptic curve for ECDHE key exchange."),
                Flag("dh566", c => c.Dh566).Help("Use the built-in 566-bit DH parameters (weak)."),
                Flag("dh1066", c => c.Dh1066).Help("Use the built-in 1066-bit DH parameters."),
                FilePath("dh-file", c => c.DhFile)
                    .Help("DH parameters (PEM); overrides --dh566 and --dh1066."),
                Flag("no-tlsv1", c => c.NoTlsv1).Impl().Help("Refuse TLS 1.0 and DTLS 1.0 (this build never offers TLS 1.0)."),
                Flag("no-tlsv1_1", c => c.NoTlsv1_1).Impl().Help("Refuse TLS 1.1 (this build never offers TLS 1.1)."),
                Flag("no-tlsv1_2", c => c.NoTlsv1_2).Impl().Help("Refuse TLS 1.2 and DTLS 1.2: TLS 1.3 only, and DTLS 1.0 unless no-tlsv1."),
                FlagNot("tlsv1", c => c.NoTlsv1).Impl().Since("4.7.0")
                    .Help("Allow TLS 1.0 (the opposite of --no-tlsv1; TLS 1.0 is never offered by this build)."),
                FlagNot("tlsv1_1", c => c.NoTlsv1_1).Impl().Since("4.7.0")
                    .Help("Allow TLS 1.1 (the opposite of --no-tlsv1_1; TLS 1.1 is never offered by this build)."),
                Flag("raw-public-keys", c => c.RawPublicKeys).Since("4.6.3")
                    .Help("Accept RFC 7250 raw public keys."),
                Str("acme-redirect", c => c.AcmeRedirect).Arg("<url>")
                    .Help("Redirect HTTP GET /.well-known/acme-challenge/NAME arriving on the TURN ports to <url>NAME.")
            ),
            Section(OptionSection.LoadBalancing,
                ServerList("alternate-server", c => c.AlternateServers, 3478)
                    .Help("Redirect UDP and TCP allocations to this server (300 Try Alternate), round robin over all "
                          + "given; a server given twice gets twice the share."),
                ServerList("tls-alternate-server", c => c.TlsAlternateServers, 5349)
                    .Help("Like --alternate-server, for TLS and DTLS clients."),
                ServerList("udp-alternate-server", c => c.UdpAlternateServers, 3478).Since("4.15.0")
                    .Help("Like --alternate-server, for UDP clients only (takes precedence)."),
                ServerList("tcp-alternate-server", c => c.TcpAlternateServers, 3478).Since("4.15.0")
                    .Help("Like --alternate-server, for TCP clients only (takes precedence).")
            ),
            Section(OptionSection.Logging,
                FlagDo("verbose", (c, v) => c.Verbose = v ? LogVerbosity.Verbose : LogVerbosity.Normal)
                    .Short('v').Impl().Property((C c) => c.Verbose, showDefault: false)
                    .Help("Moderately verbose logging."),
                FlagDo("Verbose", (c, v) =>
                    {
                        if (v)
                        {
                            c.Verbose = LogVerbosity.ExtraVerbose;
                        }
                    })
                    .Short('V').Impl().Property((C c) => c.Verbose, showDefault: false)
                    .Help("Very verbose logging, for debugging."),
                Str("log-file", c => c.LogFile).Short('l').Impl().Early().Arg("<file>")
                    .Default("turn_<pid>_<date>.log in /var/log/turnserver, /var/log, /var/tmp, /tmp or .")
                    .Help("Log file. \"stdout\" or \"-\" log to standard output, \"syslog\" to the system log."),
                Flag("no-stdout-log", c => c.NoStdoutLog).Impl().Early()
                    .Help("Do not copy log messages to standard output."),
                Flag("syslog", c => c.Syslog).Impl().Early().Help("Log to the system log instead of a file."),
                Enum("syslog-facility", (C c) => c.SyslogFacility, SyslogFacilities).Impl().Early()
                    .Arg("<LOG_USER|LOG_DAEMON|LOG_LOCAL0..7|...>").Default("LOG_USER")
                    .Help("Facility of system log messages."),
                Flag("simple-log", c => c.SimpleLog).Impl().Early()
                    .Help("Use the log file name as given: no pid/date suffix and no rollover (for logrotate)."),
                Flag("new-log-timestamp", c => c.NewLogTimestamp).Impl().Early()
                    .Help("Use ISO 8601 timestamps in log lines."),
                Str("new-log-timestamp-format", c => c.NewLogTimestampFormat).Impl().Early().Arg("<format>")
                    .Help("strftime(3) format of the timestamps; needs --new-log-timestamp."),
                Enum<TurnLogLevel?>("log-min-level", (C c) => c.LogMinLevel, ("debug", TurnLogLevel.Debug),
                        ("info", TurnLogLevel.Info), ("warning", TurnLogLevel.Warning), ("error", TurnLogLevel.Error))
                    .Impl().Since("4.15.0").Default("everything")
                    .Help("Drop log messages below this level."),
                Flag("log-binding", c => c.LogBinding).Impl()
                    .Help("Log STUN Binding requests (off by default, as logging them helps denial-of-service attacks)."),
                Flag("drop-invalid-packets-log", c => c.DropInvalidPacketsLog).Since("4.8.0")
                    .Help("Log the packets dropped by --drop-invalid-packets."),
                Flag("udp-recvmmsg-log", c => c.UdpRecvmmsgLog).Since("4.12.0")
                    .Help("Log UDP batch receive statistics every 10 seconds."),
                Flag("udp-sendmmsg-log", c => c.UdpSendmmsgLog).Since("4.13.0")
                    .Help("Log UDP batch send statistics every 10 seconds.")
            ),
            Section(OptionSection.Management,
                Flag("no-cli", c => c.NoCli).Impl()
                    .Help("Do not start the telnet management CLI (on by default, as in coturn 4.6.1)."),
                FlagNot("cli", c => c.NoCli).Impl().Since("4.10.0")
                    .Help("Start the telnet management CLI (the opposite of --no-cli)."),
                Ip("cli-ip", c => c.CliIp).Help("Address of the management CLI."),
                Port("cli-port", c => c.CliPort).Help("Port of the management CLI."),
                Str("cli-password", c => c.CliPassword).Secret().Arg("<password>").Default("none")
                    .Help("Password of the management CLI, plain or $5$salt$hash as made by turnadmin -P "
                          + "(escape the $ signs on a shell command line)."),
                Int("cli-max-output-sessions", (C c) => c.CliMaxOutputSessions, 0)
                    .Help("Most sessions listed by the CLI command ps."),
                Flag("web-admin", c => c.WebAdmin).Help("Start the HTTPS web administration interface."),
                Ip("web-admin-ip", c => c.WebAdminIp).Help("Address of the web administration interface."),
                Port("web-admin-port", c => c.WebAdminPort).Help("Port of the web administration interface."),
                Flag("web-admin-listen-on-workers", c => c.WebAdminListenOnWorkers)
                    .Help("Also serve the web administration interface on the TURN listening ports."),
                Flag("prometheus", c => c.Prometheus)
                    .Help("Export Prometheus metrics over HTTP (/metrics; / answers health checks)."),
                OptInt("prometheus-port", (C c) => c.PrometheusPort, 9641, 1, 65535).Arg("<port>")
                    .Help("Port of the Prometheus exporter."),
                Ip("prometheus-address", c => c.PrometheusAddress).Since("4.6.3").Default("any")
                    .Help("Address of the Prometheus exporter."),
                Str("prometheus-path", c => c.PrometheusPath).Since("4.7.0").Arg("<path>")
                    .Help("URL path of the Prometheus metrics."),
                Flag("prometheus-username-labels", c => c.PrometheusUsernameLabels)
                    .Help("Label traffic metrics with the user name."),
                Flag("prometheus-tls", c => c.PrometheusTls).Since("4.14.0")
                    .Help("Serve the Prometheus exporter over HTTPS."),
                FilePath("prometheus-cert", c => c.PrometheusCert).Since("4.14.0")
                    .Help("Certificate for the HTTPS Prometheus exporter."),
                FilePath("prometheus-key", c => c.PrometheusKey).Since("4.14.0")
                    .Help("Private key for the HTTPS Prometheus exporter.")
            ),
            Section(OptionSection.Obsolete,
                Obsolete("secret-ts-exp-time", "coturn ignores it too; the timestamp is in the REST API user name")
                    .Help("Formerly the lifetime of TURN REST API credentials."),
                Obsolete("no-sslv2", "SSLv2 is never offered").Help("Formerly refused SSLv2."),
                Obsolete("no-sslv3", "SSLv3 is never offered").Help("Formerly refused SSLv3."),
                Obsolete("no-loopback-peers", "loopback peers are refused unless --allow-loopback-peers is given")
                    .Help("Formerly refused loopback peers."),
                Obsolete("dh2066", "2066-bit parameters are the default").Help("Formerly selected 2066-bit DH parameters."),
                Obsolete("no-http", "there is no plain HTTP admin interface").Help("Formerly disabled plain HTTP admin pages."),
                Obsolete("sha256", "only SHA-1 long-term keys (RFC 5389) are supported").Help("Formerly selected SHA-256 keys."),
                Obsolete("sha384", "only SHA-1 long-term keys (RFC 5389) are supported").Help("Formerly selected SHA-384 keys."),
                Obsolete("sha512", "only SHA-1 long-term keys (RFC 5389) are supported").Help("Formerly selected SHA-512 keys.")
            ),
        ];

        return sections.SelectMany(s => s).ToArray();
    }
}
