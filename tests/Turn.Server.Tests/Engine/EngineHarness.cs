using System.Net;
using System.Text;
using Turn.Protocol;
using Turn.Security;
using Turn.Server;
using Turn.Server.Auth;
using Turn.Server.Engine;
using Turn.Server.Relay;

namespace Turn.Server.Tests.Engine;

/// <summary>An engine with a fake transport and a fake clock, plus a client that speaks to it.</summary>
internal sealed class EngineHarness
{
    public const string Realm = "example.org";
    public static readonly StunAddress ServerAddress = StunAddress.Parse("192.0.2.1:3478");
    public static readonly StunAddress ClientAddress = StunAddress.Parse("198.51.100.7:40000");
    public static readonly StunAddress Peer = StunAddress.Parse("203.0.113.9:5000");

    public EngineHarness(
        Func<TurnEngineOptions, TurnEngineOptions>? configure = null,
        PeerAddressFilterOptions? filter = null,
        IEnumerable<string>? restSecrets = null,
        int userQuota = 0,
        int totalQuota = 0,
        int minPort = 50000,
        int maxPort = 50099,
        long bpsCapacity = 0)
    {
        var options = new TurnEngineOptions { Authenticate = true, Realm = Realm, Stun = new StunServiceOptions { Software = null } };
        options = configure?.Invoke(options) ?? options;
        Options = options;
        Credentials = new StaticCredentialSource(
            Realm,
            [("bob", "secret", null), ("alice", "wonderland", null)],
            restSecrets?.ToArray() ?? [],
            ':',
            () => UnixNow);
        Authenticator? auth = options.Authenticate
            ? new Authenticator(Realm, new NonceService(new byte[32], options.NonceLifetimeSeconds, true, true), Credentials)
            : null;
        Ports = new RelayPortPool(minPort, maxPort);
        Quotas = new QuotaTracker(userQuota, totalQuota);
        Services = new TurnEngineServices(options, auth, new PeerAddressFilter(filter ?? new PeerAddressFilterOptions()), Ports, Quotas, [ServerAddress], Turn.Server.NullServerLog.Instance)
        {
            UnixSeconds = () => UnixNow,
            Bandwidth = new BandwidthCapacity(bpsCapacity),
        };
        Io = new FakeRelayIo();
        Engine = new TurnEngine(Services, Io) { NowMs = 1_000_000 };
    }

    public long UnixNow { get; set; } = 1_800_000_000;

    public TurnEngineOptions Options { get; }

    public StaticCredentialSource Credentials { get; }

    public RelayPortPool Ports { get; }

    public QuotaTracker Quotas { get; }

    public TurnEngineServices Services { get; }

    public FakeRelayIo Io { get; }

    public TurnEngine Engine { get; }

    public PacketContext Context(StunAddress? client = null) => new(client ?? ClientAddress, ServerAddress, TransportKind.Udp, 0);

    public void Advance(TimeSpan t)
    {
        Engine.NowMs += (long)t.TotalMilliseconds;
        UnixNow += (long)t.TotalSeconds;
    }

    /// <summary>Sends a packet and returns the single answer parsed (or null when none came).</summary>
    public byte[]? Send(byte[] packet, StunAddress? client = null)
    {
        int before = Io.ToClients.Count;
        Engine.OnClientPacket(packet, Context(client));
        Assert.True(Io.ToClients.Count - before <= 1, "more than one answer");
        return Io.ToClients.Count > before ? Io.LastToClient : null;
    }

    /// <summary>The LIFETIME of a success response (asserting it is one).</summary>
    public static uint LifetimeOf(byte[] response)
    {
        Assert.Equal(0, ErrorCodeOf(response));
        Assert.Equal(StunParseStatus.Ok, StunMessage.TryParse(response, out StunMessage m));
        Assert.True(m.TryGetUInt32(StunAttributeType.Lifetime, out uint lifetime));
        return lifetime;
    }

    /// <summary>How many messages reach the client when <paramref name="from"/> sends 4 bytes to the only relay.</summary>
    public int PeerSends(StunAddress from)
    {
        int before = Io.ToClients.Count;
        byte[] slot = new byte[TurnEngine.PeerDataHeadroom + 16];
        Engine.OnPeerPacket(Io.OpenRelays.Keys.Single(), from, slot, TurnEngine.PeerDataHeadroom, 4);
        return Io.ToClients.Count - before;
    }

    /// <summary>A Send indication to <paramref name="peer"/> carrying <paramref name="data"/>.</summary>
    public static byte[] SendIndication(StunAddress peer, ReadOnlySpan<byte> data)
    {
        byte[] buffer = new byte[2048];
        var w = new StunMessageWriter(buffer);
        w.WriteHeader(StunMethod.Send, StunClass.Indication, new byte[12]);
        w.AddXorAddress(StunAttributeType.XorPeerAddress, peer);
        w.AddData(data);
        return w.Written.ToArray();
    }

    public static int ErrorCodeOf(byte[] response)
    {
        Assert.Equal(StunParseStatus.Ok, StunMessage.TryParse(response, out StunMessage m));
        if (m.Class != StunClass.ErrorResponse)
        {
            return 0;
        }

        Assert.True(m.TryGetErrorCode(out int code, out _));
        return code;
    }
}

/// <summary>Builds client requests the way a TURN client does, with long-term credentials after a 401.</summary>
internal sealed class TestClient
{
    private readonly EngineHarness _h;
    private string? _nonce;

    public TestClient(EngineHarness h, string user = "bob", string password = "secret", StunAddress? address = null)
    {
        _h = h;
        User = user;
        Password = password;
        Address = address ?? EngineHarness.ClientAddress;
    }

    public string User { get; set; }

    public string Password { get; set; }

    public StunAddress Address { get; }

    public byte[] LastTransactionId { get; private set; } = new byte[12];

    /// <summary>Sends the request built by <paramref name="body"/>, answering a 401/438 challenge once.</summary>
    public byte[] Request(StunMethod method, Action<StunMessageWriterBox>? body = null, bool sign = true, byte[]? transactionId = null)
    {
        byte[]? response = _h.Send(Build(method, body, sign, transactionId), Address);
        Assert.NotNull(response);
        int code = EngineHarness.ErrorCodeOf(response);
        if (sign && (code == 401 || code == 438))
        {
            Assert.Equal(StunParseStatus.Ok, StunMessage.TryParse(response, out StunMessage challenge));
            Assert.True(challenge.TryGetAttribute(StunAttributeType.Nonce, out ReadOnlySpan<byte> nonce));
            bool hadNonce = _nonce is not null;
            _nonce = Encoding.UTF8.GetString(nonce);
            if (!hadNonce || code == 438)
            {
                response = _h.Send(Build(method, body, sign, null), Address);
                Assert.NotNull(response);
            }
        }

        return response;
    }

    public byte[] Build(StunMethod method, Action<StunMessageWriterBox>? body, bool sign, byte[]? transactionId = null)
    {
        byte[] buffer = new byte[2048];
        if (transactionId is null)
        {
            transactionId = new byte[12];
            Random.Shared.NextBytes(transactionId);
        }

        LastTransactionId = transactionId;
        var box = new StunMessageWriterBox();
        body?.Invoke(box);
        var w = new StunMessageWriter(buffer);
        w.WriteHeader(method, StunClass.Request, transactionId);
        box.ApplyTo(ref w);
        if (sign && _nonce is not null)
        {
            w.AddUsername(User);
            w.AddRealm(EngineHarness.Realm);
            w.AddNonce(_nonce);
            w.AddMessageIntegrity(StunKeys.LongTermMd5(User, EngineHarness.Realm, Password));
        }

        Assert.False(w.Overflowed);
        return w.Written.ToArray();
    }

    public StunAddress Allocate(Action<StunMessageWriterBox>? extra = null)
    {
        byte[] r = Request(StunMethod.Allocate, b =>
        {
            b.RequestedTransport(17);
            extra?.Invoke(b);
        });
        Assert.Equal(0, EngineHarness.ErrorCodeOf(r));
        Assert.Equal(StunParseStatus.Ok, StunMessage.TryParse(r, out StunMessage m));
        Assert.True(m.TryGetXorAddress(StunAttributeType.XorRelayedAddress, out StunAddress relay));
        return relay;
    }
}

/// <summary>Attributes to add to a request, recorded so they can be replayed into a ref-struct writer.</summary>
internal sealed class StunMessageWriterBox
{
    private readonly List<(ushort Type, byte[] Value)> _attributes = [];

    public StunMessageWriterBox Raw(ushort type, byte[] value)
    {
        _attributes.Add((type, value));
        return this;
    }

    public StunMessageWriterBox RequestedTransport(byte protocol) => Raw((ushort)StunAttributeType.RequestedTransport, [protocol, 0, 0, 0]);

    public StunMessageWriterBox Lifetime(uint seconds) => Raw((ushort)StunAttributeType.Lifetime, [(byte)(seconds >> 24), (byte)(seconds >> 16), (byte)(seconds >> 8), (byte)seconds]);

    public StunMessageWriterBox Channel(ushort number) => Raw((ushort)StunAttributeType.ChannelNumber, [(byte)(number >> 8), (byte)number, 0, 0]);

    public StunMessageWriterBox Family(StunAttributeType type, StunAddressFamily family) => Raw((ushort)type, [(byte)family, 0, 0, 0]);

    public StunMessageWriterBox PeerAddress(StunAddress peer)
    {
        _xorPeers.Add(peer);
        return this;
    }

    private readonly List<StunAddress> _xorPeers = [];

    public void ApplyTo(ref StunMessageWriter w)
    {
        foreach (StunAddress p in _xorPeers)
        {
            w.AddXorAddress(StunAttributeType.XorPeerAddress, p);
        }

        foreach ((ushort type, byte[] value) in _attributes)
        {
            w.AddAttribute(type, value);
        }
    }
}
