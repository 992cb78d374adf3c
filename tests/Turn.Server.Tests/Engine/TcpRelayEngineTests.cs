using System.Text;
using Turn.Protocol;
using Turn.Security;
using Turn.Server.Engine;

namespace Turn.Server.Tests.Engine;

/// <summary>
/// RFC 6062 in the engine: the protocol decisions for TCP allocations, Connect, ConnectionBind and
/// ConnectionAttempt, with the transport recorded (the sockets are tested in TcpRelay/TcpRelaySocketTests).
/// </summary>
public sealed class TcpRelayEngineTests
{
    private static readonly StunAddress Peer = EngineHarness.Peer;
    private static readonly StunAddress ControlAddress = StunAddress.Parse("198.51.100.7:40000");
    private static readonly StunAddress DataAddress = StunAddress.Parse("198.51.100.7:40001");

    [Fact]
    public void TcpAllocationOverUdpGets400()
    {
        var h = new EngineHarness();
        var c = new TestClient(h);
        byte[] r = c.Request(StunMethod.Allocate, b => b.RequestedTransport(6));
        Assert.Equal(400, EngineHarness.ErrorCodeOf(r));
        Assert.Empty(h.Io.OpenRelays);
    }

    [Fact]
    public void TcpAllocationOverTcpOpensATcpListeningRelay()
    {
        var h = new EngineHarness();
        var control = new StreamClient(h, ControlAddress);
        StunAddress relay = control.AllocateTcp();
        Assert.Equal(relay, Assert.Single(h.Io.TcpRelays).Value);
        Assert.Equal(1, h.Engine.AllocationCount);
    }

    [Theory]
    [InlineData((ushort)StunAttributeType.DontFragment, new byte[0])]
    [InlineData((ushort)StunAttributeType.EvenPort, new byte[] { 0x80, 0, 0, 0 })]
    [InlineData((ushort)StunAttributeType.ReservationToken, new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 })]
    public void TcpAllocationWithDontFragmentEvenPortOrReservationTokenGets400(ushort attribute, byte[] value)
    {
        var h = new EngineHarness();
        var control = new StreamClient(h, ControlAddress);
        byte[] r = control.Request(StunMethod.Allocate, b => b.RequestedTransport(6).Raw(attribute, value));
        Assert.Equal(400, EngineHarness.ErrorCodeOf(r));
        Assert.Empty(h.Io.TcpRelays);
    }

    [Fact]
    public void NoTcpRelayGets442AndLeavesUdpRelays()
    {
        var h = new EngineHarness(o => o with { NoTcpRelay = true });
        var control = new StreamClient(h, ControlAddress);
        Assert.Equal(442, EngineHarness.ErrorCodeOf(control.Request(StunMethod.Allocate, b => b.RequestedTransport(6))));
        Assert.Equal(0, EngineHarness.ErrorCodeOf(control.Request(StunMethod.Allocate, b => b.RequestedTransport(17))));
        Assert.Empty(h.Io.TcpRelays);
    }

    [Fact]
    public void ConnectAndConnectionBindOverUdpGet400()
    {
        var h = new EngineHarness();
        var c = new TestClient(h);
        c.Allocate();
        Assert.Equal(400, EngineHarness.ErrorCodeOf(c.Request(StunMethod.Connect, b => b.PeerAddress(Peer))));
        Assert.Equal(400, EngineHarness.ErrorCodeOf(c.Request(StunMethod.ConnectionBind, b => b.ConnectionId(0x00000001))));
        Assert.Empty(h.Io.TcpPeers);
    }

    [Fact]
    public void ConnectWithoutAllocationGets437AndOnAUdpAllocation403()
    {
        var h = new EngineHarness();
        var control = new StreamClient(h, ControlAddress);
        Assert.Equal(437, EngineHarness.ErrorCodeOf(control.Request(StunMethod.Connect, b => b.PeerAddress(Peer))));
        Assert.Equal(0, EngineHarness.ErrorCodeOf(control.Request(StunMethod.Allocate, b => b.RequestedTransport(17))));
        Assert.Equal(403, EngineHarness.ErrorCodeOf(control.Request(StunMethod.Connect, b => b.PeerAddress(Peer))));
    }

    [Theory]
    [InlineData("127.0.0.1:5000")]  // loopback, not allowed here
    [InlineData("10.1.2.3:5000")]   // a denied range
    [InlineData("0.1.2.3:5000")]
    public void ConnectToAFilteredPeerGets403AndStartsNothing(string peer)
    {
        var h = new EngineHarness(filter: PeerAddressFilterOptions.FromStrings(false, true, null, ["10.0.0.0/8"]));
        var control = new StreamClient(h, ControlAddress);
        control.AllocateTcp();
        Assert.Equal(403, EngineHarness.ErrorCodeOf(control.Request(StunMethod.Connect, b => b.PeerAddress(StunAddress.Parse(peer)))));
        Assert.Empty(h.Io.TcpPeers);
    }

    [Fact]
    public void ConnectWithoutPeerAddressGets400()
    {
        var h = new EngineHarness();
        var control = new StreamClient(h, ControlAddress);
        control.AllocateTcp();
        Assert.Equal(400, EngineHarness.ErrorCodeOf(control.Request(StunMethod.Connect)));
    }

    [Fact]
    public void ConnectNeedsNoPermissionAndAnswersWithAConnectionIdOnceConnected()
    {
        var h = new EngineHarness();
        var control = new StreamClient(h, ControlAddress);
        control.AllocateTcp();
        Assert.Null(control.RequestNoAnswer(StunMethod.Connect, b => b.PeerAddress(Peer)));
        (int handle, StunAddress to) = Assert.Single(h.Io.TcpPeers);
        Assert.Equal(Peer, to);

        h.Engine.OnTcpPeerConnected(handle, connected: true);
        byte[] answer = h.Io.LastToClient;
        Assert.Equal(control.Context, h.Io.ToClients[^1].To);
        Assert.Equal(0, EngineHarness.ErrorCodeOf(answer));
        Assert.Equal(control.LastTransactionId, TransactionIdOf(answer));
        Assert.True(StunMessage.TryParse(answer, out StunMessage m) == StunParseStatus.Ok && m.Method == StunMethod.Connect);
        Assert.True(m.HasMessageIntegrity, "the late answer is signed with the session key");
        Assert.NotEqual(0u, ConnectionIdOf(answer));
    }

    [Fact]
    public void SecondConnectToTheSamePeerGets446WhileConnectingAndOnceConnected()
    {
        var h = new EngineHarness();
        var control = new StreamClient(h, ControlAddress);
        control.AllocateTcp();
        control.RequestNoAnswer(StunMethod.Connect, b => b.PeerAddress(Peer));
        Assert.Equal(446, EngineHarness.ErrorCodeOf(control.Request(StunMethod.Connect, b => b.PeerAddress(Peer))));

        h.Engine.OnTcpPeerConnected(h.Io.TcpPeers.Keys.Single(), connected: true);
        Assert.Equal(446, EngineHarness.ErrorCodeOf(control.Request(StunMethod.Connect, b => b.PeerAddress(Peer))));

        // Another port of the same host is another peer.
        Assert.Null(control.RequestNoAnswer(StunMethod.Connect, b => b.PeerAddress(Peer.WithPort(5001))));
        Assert.Equal(2, h.Io.TcpPeers.Count);
    }

    [Fact]
    public void FailedConnectGets447AndClosesTheSocket()
    {
        var h = new EngineHarness();
        var control = new StreamClient(h, ControlAddress);
        control.AllocateTcp();
        control.RequestNoAnswer(StunMethod.Connect, b => b.PeerAddress(Peer));
        int handle = h.Io.TcpPeers.Keys.Single();
        h.Engine.OnTcpPeerConnected(handle, connected: false);
        Assert.Equal(447, EngineHarness.ErrorCodeOf(h.Io.LastToClient));
        Assert.Equal(control.LastTransactionId, TransactionIdOf(h.Io.LastToClient));
        Assert.Contains(handle, h.Io.ClosedTcpPeers);
        Assert.Equal(0, h.Engine.TcpConnectionCount);

        // The peer may be tried again.
        Assert.Null(control.RequestNoAnswer(StunMethod.Connect, b => b.PeerAddress(Peer)));
    }

    [Fact]
    public void ConnectThatCannotStartGets447AtOnce()
    {
        var h = new EngineHarness();
        var control = new StreamClient(h, ControlAddress);
        control.AllocateTcp();
        h.Io.CanConnect = false;
        Assert.Equal(447, EngineHarness.ErrorCodeOf(control.Request(StunMethod.Connect, b => b.PeerAddress(Peer))));
    }

    [Fact]
    public void ConnectStillPendingAfter30SecondsGets447()
    {
        var h = new EngineHarness();
        var control = new StreamClient(h, ControlAddress);
        control.AllocateTcp();
        control.RequestNoAnswer(StunMethod.Connect, b => b.PeerAddress(Peer));
        int handle = h.Io.TcpPeers.Keys.Single();
        int sent = h.Io.ToClients.Count;

        h.Advance(TimeSpan.FromSeconds(29));
        h.Engine.OnTick();
        Assert.Equal(sent, h.Io.ToClients.Count);
        Assert.Empty(h.Io.ClosedTcpPeers);

        h.Advance(TimeSpan.FromSeconds(2));
        h.Engine.OnTick();
        Assert.Equal(447, EngineHarness.ErrorCodeOf(h.Io.LastToClient));
        Assert.Contains(handle, h.Io.ClosedTcpPeers);
        h.Engine.OnTcpPeerConnected(handle, connected: true); // too late: ignored
        Assert.Equal(sent + 1, h.Io.ToClients.Count);
    }

    [Fact]
    public void ConnectionBindOnANewConnectionBindsItAndOnlyOnce()
    {
        var h = new EngineHarness();
        var control = new StreamClient(h, ControlAddress);
        control.AllocateTcp();
        uint id = control.ConnectTo(Peer);
        int handle = h.Io.TcpPeers.Keys.Single();

        var data = new StreamClient(h, DataAddress, socketId: 7);
        byte[] r = data.Request(StunMethod.ConnectionBind, b => b.ConnectionId(id));
        Assert.Equal(0, EngineHarness.ErrorCodeOf(r));
        Assert.Equal(data.Context, h.Io.BoundClients[handle]);
        Assert.True(StunMessage.TryParse(r, out StunMessage m) == StunParseStatus.Ok && m.HasMessageIntegrity);

        // Bound now: not pending any more.
        var again = new StreamClient(h, StunAddress.Parse("198.51.100.7:40002"), socketId: 8);
        Assert.Equal(400, EngineHarness.ErrorCodeOf(again.Request(StunMethod.ConnectionBind, b => b.ConnectionId(id))));
        Assert.Single(h.Io.BoundClients);
    }

    [Fact]
    public void ConnectionBindWithAnUnknownIdGets400()
    {
        var h = new EngineHarness();
        var control = new StreamClient(h, ControlAddress);
        control.AllocateTcp();
        uint id = control.ConnectTo(Peer);
        var data = new StreamClient(h, DataAddress, socketId: 7);
        Assert.Equal(400, EngineHarness.ErrorCodeOf(data.Request(StunMethod.ConnectionBind, b => b.ConnectionId(id ^ 0x5A5A))));
        Assert.Equal(400, EngineHarness.ErrorCodeOf(data.Request(StunMethod.ConnectionBind))); // no CONNECTION-ID
        Assert.Empty(h.Io.BoundClients);
    }

    [Fact]
    public void ConnectionBindByAnotherUserGets441()
    {
        var h = new EngineHarness();
        var control = new StreamClient(h, ControlAddress);
        control.AllocateTcp();
        uint id = control.ConnectTo(Peer);
        var alice = new StreamClient(h, DataAddress, socketId: 7, user: "alice", password: "wonderland");
        Assert.Equal(441, EngineHarness.ErrorCodeOf(alice.Request(StunMethod.ConnectionBind, b => b.ConnectionId(id))));
        Assert.Empty(h.Io.BoundClients);

        var bob = new StreamClient(h, DataAddress, socketId: 7);
        Assert.Equal(0, EngineHarness.ErrorCodeOf(bob.Request(StunMethod.ConnectionBind, b => b.ConnectionId(id))));
    }

    [Fact]
    public void ConnectionBindOnTheControlConnectionGets400()
    {
        var h = new EngineHarness();
        var control = new StreamClient(h, ControlAddress);
        control.AllocateTcp();
        uint id = control.ConnectTo(Peer);
        Assert.Equal(400, EngineHarness.ErrorCodeOf(control.Request(StunMethod.ConnectionBind, b => b.ConnectionId(id))));
    }

    [Fact]
    public void ConnectionBindForAnotherWorkersConnectionMovesTheConnectionThere()
    {
        var h = new EngineHarness();
        var data = new StreamClient(h, DataAddress, socketId: 7);
        byte[] packet = data.Build(StunMethod.ConnectionBind, b => b.ConnectionId(0x02ABCDEF), sign: false);
        Assert.Null(data.Send(packet));
        (PacketContext client, int worker, byte[] request) = Assert.Single(h.Io.HandOvers);
        Assert.Equal(data.Context, client);
        Assert.Equal(2, worker);
        Assert.Equal(packet, request);

        // A worker that does not exist: answered here (no such connection).
        Assert.Equal(400, EngineHarness.ErrorCodeOf(data.Request(StunMethod.ConnectionBind, b => b.ConnectionId(0x09ABCDEF))));
    }

    [Fact]
    public void ConnectionIdsNameTheirWorker()
    {
        var h = new EngineHarness();
        h.Io.WorkerIndex = 3;
        var control = new StreamClient(h, ControlAddress);
        control.AllocateTcp();
        Assert.Equal(3u, control.ConnectTo(Peer) >> 24);
    }

    [Fact]
    public void PeerConnectionWithoutPermissionIsClosedAndWithOneIsOffered()
    {
        var h = new EngineHarness();
        var control = new StreamClient(h, ControlAddress);
        control.AllocateTcp();
        int relayId = h.Io.TcpRelays.Keys.Single();
        int sent = h.Io.ToClients.Count;

        int stranger = h.Io.NewTcpPeer(Peer);
        h.Engine.OnTcpPeerAccepted(relayId, Peer, stranger);
        Assert.Contains(stranger, h.Io.ClosedTcpPeers);
        Assert.Equal(sent, h.Io.ToClients.Count);

        Assert.Equal(0, EngineHarness.ErrorCodeOf(control.Request(StunMethod.CreatePermission, b => b.PeerAddress(Peer.WithPort(1)))));
        int known = h.Io.NewTcpPeer(Peer);
        h.Engine.OnTcpPeerAccepted(relayId, Peer, known);
        Assert.DoesNotContain(known, h.Io.ClosedTcpPeers);
        (PacketContext to, byte[] attempt) = h.Io.ToClients[^1];
        Assert.Equal(control.Context, to);
        Assert.Equal(StunParseStatus.Ok, StunMessage.TryParse(attempt, out StunMessage m));
        Assert.Equal(StunMethod.ConnectionAttempt, m.Method);
        Assert.Equal(StunClass.Indication, m.Class);
        Assert.True(m.TryGetXorAddress(StunAttributeType.XorPeerAddress, out StunAddress from));
        Assert.Equal(Peer, from);
        uint id = ConnectionIdOf(attempt);

        var data = new StreamClient(h, DataAddress, socketId: 7);
        Assert.Equal(0, EngineHarness.ErrorCodeOf(data.Request(StunMethod.ConnectionBind, b => b.ConnectionId(id))));
        Assert.Equal(data.Context, h.Io.BoundClients[known]);
    }

    [Fact]
    public void PeerConnectionFromAFilteredAddressIsClosedEvenWithServerRelay()
    {
        var h = new EngineHarness(o => o with { ServerRelay = true }, filter: PeerAddressFilterOptions.FromStrings(false, true, null, ["203.0.113.0/24"]));
        var control = new StreamClient(h, ControlAddress);
        control.AllocateTcp();
        int relayId = h.Io.TcpRelays.Keys.Single();
        int peer = h.Io.NewTcpPeer(Peer);
        h.Engine.OnTcpPeerAccepted(relayId, Peer, peer);
        Assert.Contains(peer, h.Io.ClosedTcpPeers);
    }

    [Fact]
    public void UnboundPeerConnectionIsClosedAfter30Seconds()
    {
        var h = new EngineHarness();
        var control = new StreamClient(h, ControlAddress);
        control.AllocateTcp();
        uint id = control.ConnectTo(Peer);
        int handle = h.Io.TcpPeers.Keys.Single();
        h.Advance(TimeSpan.FromSeconds(31));
        h.Engine.OnTick();
        Assert.Contains(handle, h.Io.ClosedTcpPeers);
        var data = new StreamClient(h, DataAddress, socketId: 7);
        Assert.Equal(400, EngineHarness.ErrorCodeOf(data.Request(StunMethod.ConnectionBind, b => b.ConnectionId(id))));
    }

    [Fact]
    public void EndOfTheAllocationClosesItsConnectionsAndAClosedConnectionIsForgotten()
    {
        var h = new EngineHarness();
        var control = new StreamClient(h, ControlAddress);
        control.AllocateTcp();
        control.ConnectTo(Peer);
        uint second = control.ConnectTo(Peer.WithPort(5001));
        Assert.Equal(2, h.Engine.TcpConnectionCount);

        // The transport reports one closed (its peer or data connection ended).
        int first = h.Io.TcpPeers.Keys.Min();
        h.Io.TcpPeers.Remove(first);
        h.Engine.OnTcpPeerClosed(first);
        Assert.Equal(1, h.Engine.TcpConnectionCount);
        Assert.Null(control.RequestNoAnswer(StunMethod.Connect, b => b.PeerAddress(Peer))); // no 446 any more
        _ = second;

        h.Engine.OnClientClosed(control.Context); // the control connection ends
        Assert.Equal(0, h.Engine.AllocationCount);
        Assert.Equal(0, h.Engine.TcpConnectionCount);
        Assert.Empty(h.Io.TcpPeers);
        Assert.Empty(h.Io.OpenRelays);
    }

    [Fact]
    public void RefreshToZeroClosesTheConnections()
    {
        var h = new EngineHarness();
        var control = new StreamClient(h, ControlAddress);
        control.AllocateTcp();
        control.ConnectTo(Peer);
        Assert.Equal(0, EngineHarness.ErrorCodeOf(control.Request(StunMethod.Refresh, b => b.Lifetime(0))));
        Assert.Empty(h.Io.TcpPeers);
        Assert.Equal(0, h.Engine.TcpConnectionCount);
    }

    [Fact]
    public void NoChannelsOnATcpAllocationAndSendIndicationsAreDropped()
    {
        var h = new EngineHarness();
        var control = new StreamClient(h, ControlAddress);
        control.AllocateTcp();
        Assert.Equal(400, EngineHarness.ErrorCodeOf(control.Request(StunMethod.ChannelBind, b => b.Channel(0x4001).PeerAddress(Peer))));
        Assert.Equal(0, EngineHarness.ErrorCodeOf(control.Request(StunMethod.CreatePermission, b => b.PeerAddress(Peer))));

        var w = new StunMessageWriter(new byte[256]);
        w.WriteHeader(StunMethod.Send, StunClass.Indication, new byte[12]);
        w.AddXorAddress(StunAttributeType.XorPeerAddress, Peer);
        w.AddAttribute(StunAttributeType.Data, "x"u8);
        h.Engine.OnClientPacket(w.Written.ToArray(), control.Context);
        Assert.Empty(h.Io.ToPeers);
    }

    [Fact]
    public void ConnectionsPerAllocationAreBounded()
    {
        var h = new EngineHarness();
        var control = new StreamClient(h, ControlAddress);
        control.AllocateTcp();
        for (int i = 0; i < TurnEngine.MaxTcpConnectionsPerAllocation; i++)
        {
            Assert.Null(control.RequestNoAnswer(StunMethod.Connect, b => b.PeerAddress(Peer.WithPort((ushort)(6000 + i)))));
        }

        Assert.Equal(508, EngineHarness.ErrorCodeOf(control.Request(StunMethod.Connect, b => b.PeerAddress(Peer.WithPort(5999)))));
    }

    private static byte[] TransactionIdOf(byte[] message) => message.AsSpan(8, 12).ToArray();

    private static uint ConnectionIdOf(byte[] message)
    {
        Assert.Equal(StunParseStatus.Ok, StunMessage.TryParse(message, out StunMessage m));
        Assert.True(m.TryGetAttribute(StunAttributeType.ConnectionId, out ReadOnlySpan<byte> value));
        Assert.True(StunAttributeReader.TryReadConnectionId(value, out uint id));
        return id;
    }

    /// <summary>A TURN client on a TCP connection to the engine, with long-term credentials after a 401.</summary>
    internal sealed class StreamClient(EngineHarness h, StunAddress address, int socketId = 0, string user = "bob", string password = "secret")
    {
        private string? _nonce;

        public PacketContext Context { get; } = new(address, EngineHarness.ServerAddress, TransportKind.Tcp, socketId);

        public byte[] LastTransactionId { get; private set; } = new byte[12];

        /// <summary>The engine's answer to this connection, if any.</summary>
        public byte[]? Send(byte[] packet)
        {
            int before = h.Io.ToClients.Count;
            h.Engine.OnClientPacket(packet, Context);
            for (int i = h.Io.ToClients.Count - 1; i >= before; i--)
            {
                if (h.Io.ToClients[i].To == Context)
                {
                    return h.Io.ToClients[i].Data;
                }
            }

            return null;
        }

        public byte[] Request(StunMethod method, Action<StunMessageWriterBox>? body = null)
        {
            byte[]? r = RequestNoAnswer(method, body);
            Assert.NotNull(r);
            return r;
        }

        /// <summary>Like <see cref="Request"/>, but an unanswered (pending) request returns null.</summary>
        public byte[]? RequestNoAnswer(StunMethod method, Action<StunMessageWriterBox>? body = null)
        {
            byte[]? r = Send(Build(method, body, sign: true));
            if (r is not null && EngineHarness.ErrorCodeOf(r) is 401 or 438)
            {
                Assert.Equal(StunParseStatus.Ok, StunMessage.TryParse(r, out StunMessage challenge));
                Assert.True(challenge.TryGetAttribute(StunAttributeType.Nonce, out ReadOnlySpan<byte> nonce));
                _nonce = Encoding.UTF8.GetString(nonce);
                r = Send(Build(method, body, sign: true));
            }

            return r;
        }

        public byte[] Build(StunMethod method, Action<StunMessageWriterBox>? body, bool sign)
        {
            LastTransactionId = new byte[12];
            Random.Shared.NextBytes(LastTransactionId);
            var box = new StunMessageWriterBox();
            body?.Invoke(box);
            var w = new StunMessageWriter(new byte[2048]);
            w.WriteHeader(method, StunClass.Request, LastTransactionId);
            box.ApplyTo(ref w);
            if (sign && _nonce is not null)
            {
                w.AddUsername(user);
                w.AddRealm(EngineHarness.Realm);
                w.AddNonce(_nonce);
                w.AddMessageIntegrity(StunKeys.LongTermMd5(user, EngineHarness.Realm, password));
            }

            return w.Written.ToArray();
        }

        public StunAddress AllocateTcp()
        {
            byte[] r = Request(StunMethod.Allocate, b => b.RequestedTransport(6));
            Assert.Equal(0, EngineHarness.ErrorCodeOf(r));
            Assert.Equal(StunParseStatus.Ok, StunMessage.TryParse(r, out StunMessage m));
            Assert.True(m.TryGetXorAddress(StunAttributeType.XorRelayedAddress, out StunAddress relay));
            return relay;
        }

        /// <summary>Connect to <paramref name="peer"/>, the transport reports success: the CONNECTION-ID.</summary>
        public uint ConnectTo(StunAddress peer)
        {
            var before = h.Io.TcpPeers.Keys.ToHashSet();
            Assert.Null(RequestNoAnswer(StunMethod.Connect, b => b.PeerAddress(peer)));
            int handle = h.Io.TcpPeers.Keys.Single(k => !before.Contains(k));
            h.Engine.OnTcpPeerConnected(handle, connected: true);
            Assert.Equal(0, EngineHarness.ErrorCodeOf(h.Io.LastToClient));
            return ConnectionIdOf(h.Io.LastToClient);
        }
    }
}

/// <summary>RFC 6062 attributes for requests built in tests.</summary>
internal static class TcpRelayRequestAttributes
{
    public static StunMessageWriterBox ConnectionId(this StunMessageWriterBox box, uint id) =>
        box.Raw((ushort)StunAttributeType.ConnectionId, [(byte)(id >> 24), (byte)(id >> 16), (byte)(id >> 8), (byte)id]);
}
