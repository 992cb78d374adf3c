using System.Net;
using System.Net.Sockets;
using System.Text;
using Turn.Client;
using Turn.Client.Turn;
using Turn.Protocol;
using Turn.Utils.Uclient.Native;

namespace Turn.Utils.Uclient;

/// <summary>A fatal condition of the run: print the lines (coturn's wording), exit with the code.</summary>
internal sealed class UclientExitException(int exitCode, string? error = null) : Exception(error ?? "exit")
{
    public int ExitCode { get; } = exitCode;

    /// <summary>Printed as "ERROR: …" before exiting, if not null.</summary>
    public string? Error { get; } = error;
}

/// <summary>
/// Everything resolved from the command line that the control plane needs, and the TURN transactions of coturn's
/// uclient: allocation (with its example Refresh), channel binds and permissions in coturn's order, printing
/// coturn's lines. A failed step ends the run (exit 255, as coturn's exit(-1)).
/// </summary>
internal sealed class Setup
{
    public const uint SessionLifetime = 777;       // coturn's UCLIENT_SESSION_LIFETIME
    private const int ExtraCreatePermissions = 25;  // coturn's EXTRA_CREATE_PERMS
    private const int MaxRedirects = 3;

    private readonly UclientOptions _o;
    private ulong? _pendingToken;

    public Setup(UclientOptions options)
    {
        _o = options;
        Server = Resolve(options.Server!, options.Port, "TURN server");
        if (options.LocalAddress is not null)
        {
            Local = new IPEndPoint(ResolveAddress(options.LocalAddress, "local"), 0);
        }

        if (options.RestSecret is not null)
        {
            Credentials = TurnCredentials.FromRestSecret(options.RestSecret, options.User, options.RestSeparator);
        }
        else if (options.User.Length > 0)
        {
            Credentials = new TurnCredentials(options.User, options.Password);
        }

        if (options.RequestIPv6)
        {
            Family = StunAddressFamily.IPv6;
        }
        else if (options.RequestIPv4)
        {
            Family = StunAddressFamily.IPv4;
        }

        if (!options.ClientToClient || options.LoadSeconds is not null)
        {
            if (options.PeerAddress is null)
            {
                throw new UclientExitException(255, options.LoadSeconds is null ? "the peer address is missing (-e), and -y is not given" : "the load mode needs the peer address (-e)");
            }

            PeerEndPoint = Resolve(options.PeerAddress, options.PeerPort, "peer");
            Peer = StunAddress.FromIPEndPoint(PeerEndPoint);
            // As coturn: the peer's family decides the relay family.
            Family = Peer.IsIPv6 ? StunAddressFamily.IPv6 : StunAddressFamily.IPv4;
        }

        Timing = new StunClientOptions { InitialRto = TimeSpan.FromMilliseconds(500), Timeout = TimeSpan.FromSeconds(10) };
    }

    public IPEndPoint Server { get; private set; }

    public IPEndPoint? Local { get; }

    public TurnCredentials? Credentials { get; }

    /// <summary>REQUESTED-ADDRESS-FAMILY (null: none), and which relayed address is used.</summary>
    public StunAddressFamily? Family { get; }

    public IPEndPoint? PeerEndPoint { get; }

    public StunAddress Peer { get; }

    public StunAddress PeerRtcp => Peer.WithPort((ushort)(Peer.Port + 1));

    public StunClientOptions Timing { get; }

    public bool Verbose => _o.Verbose;

    /// <summary>A socket to the server (bound to -L / -d, larger buffers) wrapped in a TURN client.</summary>
    public TurnClient Connect()
    {
        var socket = _o.Tcp
            ? new Socket(Server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true }
            : new Socket(Server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            SocketTuning.SetBuffers(socket, _o.Tcp ? 256 * 1024 : 1024 * 1024);
            if (_o.Device is not null)
            {
                socket.SetRawSocketOption(Libc.SOL_SOCKET, Libc.SO_BINDTODEVICE, Encoding.ASCII.GetBytes(_o.Device + "\0"));
            }

            if (Local is not null)
            {
                socket.Bind(Local);
            }

            var client = new TurnClient(socket, Server, Credentials, Timing, ownsSocket: true);
            if (!string.IsNullOrEmpty(_o.Origin))
            {
                client.Origins = OriginList(_o.Origin);
            }

            // coturn's uclient tries up to 32 times; a wrong password is final after the second challenge.
            client.MaxAuthenticationRetries = 3;
            client.Connect();

            if (_o.Verbose)
            {
                string fam = Server.AddressFamily == AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4";
                CoturnLog.Info($"{fam}. Connected from: {Format(client.LocalEndPoint)}");
                CoturnLog.Info($"{fam}. Connected to: {Format(Server)}");
            }

            return client;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new UclientExitException(255, $"cannot connect to {Format(Server)}: {e.Message}");
        }
    }

    /// <summary>
    /// coturn's clnet_allocate: Allocate (lifetime 777; EVEN-PORT / RESERVATION-TOKEN for RTP/RTCP pairs, random
    /// EVEN-PORT otherwise), then its example Refresh. Returns the session with the relayed address of the wanted family.
    /// </summary>
    public Session Allocate(int id, AllocationRole role)
    {
        TurnClient client = Connect();
        var options = new TurnAllocateOptions
        {
            Transport = TurnMessages.ProtocolUdp,
            Lifetime = _o.Dos ? SessionLifetime / 3 : SessionLifetime,
            Dual = _o.Dual,
            DualEncoding = TurnDualAllocationEncoding.CoturnLegacy,
            RequestedFamily = _o.Dual ? null : Family,
            DontFragment = _o.DontFragment,
            Bandwidth = _o.Bandwidth == 0 ? null : _o.Bandwidth,
            Origins = client.Origins,
        };

        switch (role)
        {
            case AllocationRole.RtpOfPair:
                options = options with { EvenPort = true };
                break;
            case AllocationRole.RtcpOfPair when _pendingToken is { } token:
                options = options with { ReservationToken = token, RequestedFamily = null, Dual = false };
                break;
            default:
                if (Random.Shared.Next(2) == 1)
                {
                    options = options with { EvenPort = false };
                }

                break;
        }

        TurnAllocation allocation;
        int redirects = 0;
        while (true)
        {
            try
            {
                if (_o.Verbose)
                {
                    CoturnLog.Info("allocate sent");
                }

                allocation = client.Allocate(options);
                break;
            }
            catch (TurnErrorException e) when (e.Code == StunErrorCode.TryAlternate && e.AlternateServer is { } alternate && redirects++ < MaxRedirects)
            {
                CoturnLog.Info($"error {e.Code} ({e.Reason})");
                client.Dispose();
                Server = alternate.ToIPEndPoint();
                client = Connect();
            }
            catch (TurnErrorException e)
            {
                client.Dispose();
                if (e.Code is not (StunErrorCode.Unauthorized or StunErrorCode.StaleNonce))
                {
                    CoturnLog.Info($"error {e.Code} ({e.Reason})");
                }

                throw new UclientExitException(255, "Cannot complete Allocation");
            }
            catch (Exception e) when (e is StunTimeoutException or SocketException or IOException)
            {
                client.Dispose();
                CoturnLog.Info(e.Message);
                throw new UclientExitException(255, "Cannot complete Allocation");
            }
        }

        _pendingToken = role == AllocationRole.RtpOfPair ? allocation.ReservationToken : null;
        StunAddress relayed = PickRelayed(allocation);
        if (_o.Verbose)
        {
            CoturnLog.Info("allocate response received: ");
            CoturnLog.Info("success");
            CoturnLog.Info($"{(relayed.IsIPv6 ? "IPv6" : "IPv4")}. Received relay addr: {relayed}");
            CoturnLog.Info($"clnet_allocate: rtv={allocation.ReservationToken ?? 0}");
        }

        // coturn's "refresh request, for an example only"; with -Z it sometimes names one family.
        StunAddressFamily? refreshFamily = null;
        if (_o.Dual)
        {
            int t = Random.Shared.Next(3);
            refreshFamily = t == 1 ? StunAddressFamily.IPv4 : t == 2 ? StunAddressFamily.IPv6 : null;
        }

        Transact(client, () => client.Refresh(_o.Dos ? SessionLifetime / 3 : SessionLifetime, refreshFamily), "refresh", "error {0} ({1})");
        return new Session(id, client, relayed, role == AllocationRole.RtcpOfPair);
    }

    /// <summary>ChannelBind with coturn's errors (fatal unless <paramref name="tolerate"/>). Returns the channel used.</summary>
    public ushort ChannelBind(Session session, ushort channel, in StunAddress peer, bool tolerate = false)
    {
        if (_o.Negative)
        {
            channel = (ushort)Random.Shared.Next(0x10000);
        }
        else if (channel == 0)
        {
            channel = RandomChannel();
        }

        StunAddress target = peer;
        bool ok = Transact(session.Client, () => session.Client.ChannelBind(channel, target), "channel bind", "channel bind: error {0} ({1})", tolerate);
        if (ok && _o.Verbose)
        {
            CoturnLog.Info($"success: 0x{channel:x}");
        }

        return channel;
    }

    /// <summary>CreatePermission (skipped with -I) with coturn's errors (fatal unless <paramref name="tolerate"/>).</summary>
    public void CreatePermission(Session session, IReadOnlyList<StunAddress> peers, bool tolerate = false)
    {
        if (_o.NoPermissions || peers.Count == 0)
        {
            return;
        }

        bool ok = Transact(session.Client, () => session.Client.CreatePermission(peers), $"create perm sent: {peers[0]}", "create permission error {0} ({1})", tolerate);
        if (ok && _o.Verbose)
        {
            CoturnLog.Info("success");
        }
    }

    /// <summary>-G: ChannelBinds to a few random addresses (IPv4 or IPv6: a 443 is expected and ignored).</summary>
    public void ExtraChannelBinds(Session session)
    {
        int count = Random.Shared.Next(ExtraCreatePermissions);
        byte[] address = Random.Shared.Next(2) == 0 ? IPAddress.Parse("2001::172").GetAddressBytes() : [164, 156, 178, 190];
        for (int i = 0; i < count; i++)
        {
            Mutate(address);
            int port = Random.Shared.Next(0x10000);
            var peer = new StunAddress(address, (ushort)(port < 1024 ? port + 1024 : port));
            ChannelBind(session, 0, peer, tolerate: true);
        }
    }

    /// <summary>-G: one CreatePermission for up to 24 random addresses (errors ignored).</summary>
    public void ExtraPermissions(Session session, bool oneByOne = false)
    {
        int count = Random.Shared.Next(ExtraCreatePermissions);
        byte[] address = Random.Shared.Next(2) == 0 ? IPAddress.Parse("2001::172").GetAddressBytes() : [64, 56, 78, 90];
        var peers = new List<StunAddress>();
        for (int i = 0; i < count; i++)
        {
            Mutate(address);
            peers.Add(new StunAddress(address, (ushort)Random.Shared.Next(0x10000)));
        }

        if (oneByOne)
        {
            foreach (StunAddress p in peers)
            {
                CreatePermission(session, [p], tolerate: true);
            }
        }
        else
        {
            CreatePermission(session, peers, tolerate: true);
        }
    }

    public static ushort RandomChannel() => (ushort)Random.Shared.Next(ChannelData.MinChannelNumber, ChannelData.MaxChannelNumber + 1);

    public static string Format(IPEndPoint? e) => e is null ? "?" : StunAddress.FromIPEndPoint(e).ToString();

    private StunAddress PickRelayed(TurnAllocation allocation)
    {
        AddressFamily want = Family == StunAddressFamily.IPv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
        return allocation.GetRelayed(want) ?? allocation.Relayed[0];
    }

    /// <summary>Runs one transaction; a server error prints <paramref name="errorFormat"/> and is fatal unless tolerated.</summary>
    private bool Transact(TurnClient client, Action action, string sent, string errorFormat, bool tolerate = false)
    {
        if (_o.Verbose)
        {
            CoturnLog.Info(sent.EndsWith("sent", StringComparison.Ordinal) || sent.Contains(':', StringComparison.Ordinal) ? sent : sent + " sent");
        }

        try
        {
            action();
            return true;
        }
        catch (TurnErrorException e)
        {
            CoturnLog.Info(string.Format(System.Globalization.CultureInfo.InvariantCulture, errorFormat, e.Code, e.Reason));
            if (tolerate)
            {
                return false;
            }

            throw new UclientExitException(255);
        }
        catch (Exception e) when (e is StunTimeoutException or SocketException or IOException)
        {
            CoturnLog.Info(e.Message);
            if (tolerate)
            {
                return false;
            }

            throw new UclientExitException(255);
        }
    }

    private static void Mutate(byte[] address)
    {
        // coturn bumps one of the first four address bytes by one; keep IPv6 addresses in 2001::/16 similarly.
        int offset = address.Length == 16 ? 12 : 0;
        int a = Random.Shared.Next(4);
        int b = Random.Shared.Next(4);
        address[offset + a] = (byte)(address[offset + b] + 1);
    }

    private static List<string> OriginList(string origin) => ["https://carleon.gov:443", origin, "ftp://uffrith.net"];

    private static IPEndPoint Resolve(string host, int port, string what) => new(ResolveAddress(host, what), port);

    private static IPAddress ResolveAddress(string host, string what)
    {
        string h = host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
        if (IPAddress.TryParse(h, out IPAddress? ip))
        {
            return ip;
        }

        try
        {
            IPAddress[] all = Dns.GetHostAddresses(h);
            if (all.Length > 0)
            {
                return all[0];
            }
        }
        catch (SocketException)
        {
        }

        throw new UclientExitException(255, $"cannot resolve the {what} address '{host}'");
    }
}

/// <summary>How an allocation relates to its neighbours (coturn's EVEN-PORT / RESERVATION-TOKEN use).</summary>
internal enum AllocationRole
{
    /// <summary>Without RTCP (-c, -Z): EVEN-PORT without R, at random, as coturn.</summary>
    Single,

    /// <summary>The RTP allocation of an RTP/RTCP pair: EVEN-PORT with R (reserve port+1).</summary>
    RtpOfPair,

    /// <summary>The RTCP allocation of a pair: RESERVATION-TOKEN of the RTP one.</summary>
    RtcpOfPair,
}

/// <summary>Socket buffer sizes (the FORCE variants pass net.core.*mem_max when allowed).</summary>
internal static unsafe class SocketTuning
{
    public static void SetBuffers(Socket socket, int bytes)
    {
        if (Libc.Usable)
        {
            int fd = (int)socket.Handle;
            int size = bytes;
            if (Libc.setsockopt(fd, Libc.SOL_SOCKET, Libc.SO_RCVBUFFORCE, &size, sizeof(int)) == 0
                && Libc.setsockopt(fd, Libc.SOL_SOCKET, Libc.SO_SNDBUFFORCE, &size, sizeof(int)) == 0)
            {
                return;
            }
        }

        try
        {
            socket.ReceiveBufferSize = bytes;
            socket.SendBufferSize = bytes;
        }
        catch (SocketException)
        {
        }
    }
}
