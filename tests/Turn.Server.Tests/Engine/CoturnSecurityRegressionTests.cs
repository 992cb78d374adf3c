using System.Buffers.Binary;
using System.Text;
using Turn.Protocol;
using Turn.Security;
using Turn.Server.Auth;
using Turn.Server.Auth.OAuth;
using Turn.Server.Engine;
using Turn.Server.Relay;

namespace Turn.Server.Tests.Engine;

/// <summary>
/// coturn's security fixes after 4.6.1 (COTURN_SURFACE.md §9) that concern the engine, each replayed against ours.
/// (TCP framing: TcpRelay/StreamFramingRegressionTests; misaligned reads: Turn.Protocol.Tests/MisalignedReadTests.)
/// </summary>
public sealed class CoturnSecurityRegressionTests
{
    private static readonly StunAddress Peer = EngineHarness.Peer;

    [Fact]
    public void Coturn4_15_ALifetimeAfterMessageIntegrityIsIgnored()
    {
        var h = new EngineHarness(o => o with { DefaultLifetimeSeconds = 600, MaxAllocateLifetimeSeconds = 3600 });
        var c = new TestClient(h);
        c.Request(StunMethod.Allocate, b => b.RequestedTransport(17)); // fetches the nonce (answer: 401 then success)
        h.Engine.OnClientPacket(Refresh(c, lifetimeBeforeIntegrity: null, lifetimeAfterIntegrity: 0), h.Context());
        Assert.Equal(600u, EngineHarness.LifetimeOf(h.Io.LastToClient)); // not deleted: the injected LIFETIME 0 did not count
        Assert.Equal(1, h.Engine.AllocationCount);

        h.Engine.OnClientPacket(Refresh(c, lifetimeBeforeIntegrity: 700, lifetimeAfterIntegrity: 3600), h.Context());
        Assert.Equal(700u, EngineHarness.LifetimeOf(h.Io.LastToClient));
    }

    [Fact]
    public void Coturn4_15_APeerAfterMessageIntegrityIsNotPermitted()
    {
        var h = new EngineHarness();
        var c = new TestClient(h);
        c.Allocate();
        StunAddress injected = StunAddress.Parse("203.0.113.77:9");
        byte[] signed = c.Build(StunMethod.CreatePermission, b => b.PeerAddress(Peer), sign: true);
        byte[] tampered = AppendAfterIntegrity(signed, (ref StunMessageWriter w) => w.AddXorAddress(StunAttributeType.XorPeerAddress, injected), signed.AsSpan(8, 12));
        Assert.Equal(0, EngineHarness.ErrorCodeOf(h.Send(tampered)!));
        Assert.Equal(1, h.PeerSends(Peer));
        Assert.Equal(0, h.PeerSends(injected));
    }

    [Fact]
    public void Coturn4_17_EvenPortWithoutReservationLeaksNoRelayPorts()
    {
        // Ten relay ports: a leak of one port per EVEN-PORT R=0 allocation would use them up within the loop.
        var h = new EngineHarness(minPort: 50000, maxPort: 50009);
        for (int i = 0; i < 40; i++)
        {
            var c = new TestClient(h, address: StunAddress.Parse($"198.51.100.7:{41000 + i}"));
            byte[] r = c.Request(StunMethod.Allocate, b => b.RequestedTransport(17).Raw((ushort)StunAttributeType.EvenPort, [0x00]));
            Assert.Equal(0, EngineHarness.ErrorCodeOf(r));
            Assert.Equal(StunParseStatus.Ok, StunMessage.TryParse(r, out StunMessage m));
            Assert.True(m.TryGetXorAddress(StunAttributeType.XorRelayedAddress, out StunAddress relay));
            Assert.Equal(0, relay.Port % 2);
            Assert.False(m.HasAttribute(StunAttributeType.ReservationToken)); // R=0 reserves nothing
            Assert.Equal(0, EngineHarness.ErrorCodeOf(c.Request(StunMethod.Refresh, b => b.Lifetime(0))));
        }

        // Every port is free again: five even-port allocations and five ordinary ones fit in ten ports.
        for (int i = 0; i < 10; i++)
        {
            var c = new TestClient(h, address: StunAddress.Parse($"198.51.100.8:{42000 + i}"));
            byte[] r = c.Request(StunMethod.Allocate, i < 5 ? b => b.RequestedTransport(17).Raw((ushort)StunAttributeType.EvenPort, [0x00]) : b => b.RequestedTransport(17));
            Assert.Equal(0, EngineHarness.ErrorCodeOf(r));
        }

        Assert.Equal(10, h.Engine.AllocationCount);
    }

    [Theory]
    [InlineData(0xFFFF, 64)]  // coturn 4.10: nonce_length read from the token and trusted before authentication
    [InlineData(0x0400, 64)]
    [InlineData(0x000C, 4)]   // a nonce length that fits, in a token cut short
    [InlineData(0x000C, 0)]
    public void Coturn4_10_AnOverlongOAuthTokenBeforeAuthenticationGets401(int nonceLength, int tokenLength)
    {
        var bed = new OAuthBed();
        byte[] token = new byte[Math.Max(tokenLength, 2)];
        BinaryPrimitives.WriteUInt16BigEndian(token, (ushort)nonceLength);
        Assert.Equal(401, EngineHarness.ErrorCodeOf(bed.Allocate(token[..Math.Max(tokenLength, 2)])));
        Assert.Equal(0, bed.Engine.AllocationCount);

        // The engine is unharmed: a real token still allocates.
        Assert.Equal(0, EngineHarness.ErrorCodeOf(bed.Allocate(bed.GoodToken())));
        Assert.Equal(1, bed.Engine.AllocationCount);
    }

    private static byte[] Refresh(TestClient c, uint? lifetimeBeforeIntegrity, uint lifetimeAfterIntegrity)
    {
        byte[] signed = c.Build(StunMethod.Refresh, lifetimeBeforeIntegrity is { } l ? b => b.Lifetime(l) : null, sign: true);
        return AppendAfterIntegrity(signed, (ref StunMessageWriter w) => w.AddLifetime(lifetimeAfterIntegrity), signed.AsSpan(8, 12));
    }

    /// <summary>The attack: an attribute appended after MESSAGE-INTEGRITY, the header length grown to cover it.</summary>
    private static byte[] AppendAfterIntegrity(byte[] signed, WriteAttribute write, ReadOnlySpan<byte> transactionId)
    {
        byte[] scratch = new byte[256];
        var w = new StunMessageWriter(scratch);
        w.WriteHeader(StunMethod.Binding, StunClass.Request, transactionId);
        write(ref w);
        byte[] extra = w.Written[Stun.HeaderLength..].ToArray();
        byte[] tampered = [.. signed, .. extra];
        BinaryPrimitives.WriteUInt16BigEndian(tampered.AsSpan(2), (ushort)(tampered.Length - Stun.HeaderLength));
        return tampered;
    }

    private delegate void WriteAttribute(ref StunMessageWriter w);

    /// <summary>An engine with RFC 7635 third-party authorization and one OAuth key, and a client that speaks it.</summary>
    private sealed class OAuthBed : ICredentialSource
    {
        private const string ServerName = "turn.example.net";
        private const string Kid = "north";
        private static readonly long UnixNow = 1_800_000_000;
        private readonly OAuthKey _key = new(Kid, new byte[32], OAuthAlgorithm.A256Gcm, timestamp: (ulong)(UnixNow - 60), lifetime: 86400, realm: EngineHarness.Realm);
        private readonly byte[] _macKey = Enumerable.Range(1, 20).Select(i => (byte)i).ToArray(); // HMAC-SHA1 size
        private readonly FakeRelayIo _io = new();
        private string? _nonce;

        public OAuthBed()
        {
            var options = new TurnEngineOptions { Authenticate = true, Realm = EngineHarness.Realm, Stun = new StunServiceOptions { Software = null } };
            var auth = new Authenticator(EngineHarness.Realm, new NonceService(new byte[32], 600, true, false), this, ServerName);
            var services = new TurnEngineServices(options, auth, new PeerAddressFilter(new PeerAddressFilterOptions()), new RelayPortPool(50000, 50099), new QuotaTracker(0, 0), [EngineHarness.ServerAddress], NullServerLog.Instance)
            {
                UnixSeconds = () => UnixNow,
            };
            Engine = new TurnEngine(services, _io) { NowMs = 1_000_000 };
        }

        public TurnEngine Engine { get; }

        public bool ProvidesSha256Keys => false;

        public byte[] GoodToken() => OAuthTokenCodec.Encrypt(_key, ServerName, OAuthTokenContent.Create(_macKey, UnixNow - 10, 600));

        /// <summary>Allocate with <paramref name="token"/> (after a 401 for the nonce), signed with the good MAC key.</summary>
        public byte[] Allocate(byte[] token)
        {
            if (_nonce is null)
            {
                byte[] challenge = Send(Build(null));
                Assert.Equal(401, EngineHarness.ErrorCodeOf(challenge));
                Assert.Equal(StunParseStatus.Ok, StunMessage.TryParse(challenge, out StunMessage m));
                Assert.True(m.TryGetAttribute(StunAttributeType.Nonce, out ReadOnlySpan<byte> nonce));
                _nonce = Encoding.UTF8.GetString(nonce);
            }

            return Send(Build(token));
        }

        public ValueTask<IReadOnlyList<UserKey>> GetKeysAsync(string username, string realm) => new((IReadOnlyList<UserKey>)[]);

        public ValueTask<OAuthKey?> GetOAuthKeyAsync(string kid) => new(kid == Kid ? _key : null);

        public bool TryResolveUserHash(ReadOnlySpan<byte> userHash, string realm, out string username)
        {
            username = string.Empty;
            return false;
        }

        private byte[] Send(byte[] packet)
        {
            int before = _io.ToClients.Count;
            Engine.OnClientPacket(packet, new PacketContext(EngineHarness.ClientAddress, EngineHarness.ServerAddress, TransportKind.Udp, 0));
            Assert.Equal(before + 1, _io.ToClients.Count);
            return _io.LastToClient;
        }

        private byte[] Build(byte[]? token)
        {
            byte[] transactionId = new byte[12];
            Random.Shared.NextBytes(transactionId);
            var w = new StunMessageWriter(new byte[2048]);
            w.WriteHeader(StunMethod.Allocate, StunClass.Request, transactionId);
            w.AddAttribute(StunAttributeType.RequestedTransport, [17, 0, 0, 0]);
            if (token is not null)
            {
                w.AddUsername(Kid);
                w.AddRealm(EngineHarness.Realm);
                w.AddNonce(_nonce!);
                w.AddAttribute(StunAttributeType.AccessToken, token);
                w.AddMessageIntegrity(_macKey.AsSpan(0, 16)); // coturn keys MESSAGE-INTEGRITY with the first 16 bytes
            }

            Assert.False(w.Overflowed);
            return w.Written.ToArray();
        }
    }
}
