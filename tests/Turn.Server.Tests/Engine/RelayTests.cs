using System.Buffers.Binary;
using Turn.Protocol;
using Turn.Security;
using Turn.Server.Engine;

namespace Turn.Server.Tests.Engine;

public sealed class RelayTests
{
    private static readonly StunAddress Peer = EngineHarness.Peer;

    [Theory]
    [InlineData("0.0.0.0:5000")]
    [InlineData("0.1.2.3:5000")]
    [InlineData("127.0.0.1:5000")]
    [InlineData("[::ffff:127.0.0.1]:5000")]
    [InlineData("10.1.2.3:5000")]           // denied range in this test
    [InlineData("[::ffff:10.1.2.3]:5000")]  // the same, IPv4-mapped
    [InlineData("224.0.0.1:5000")]          // multicast with no-multicast-peers
    public void PermissionToAForbiddenPeerGets403(string peer)
    {
        var h = new EngineHarness(filter: PeerAddressFilterOptions.FromStrings(false, true, null, ["10.0.0.0/8"]));
        var c = new TestClient(h);
        c.Allocate();
        StunAddress target = StunAddress.Parse(peer);
        int permission = EngineHarness.ErrorCodeOf(c.Request(StunMethod.CreatePermission, b => b.PeerAddress(target)));
        int channel = EngineHarness.ErrorCodeOf(c.Request(StunMethod.ChannelBind, b => b.Channel(0x4001).PeerAddress(target)));
        // An IPv6-family spelling (::ffff:a.b.c.d) on an IPv4-only allocation is a family mismatch (RFC 8656: 443)
        // before it is a filter question; refused either way.
        int expected = target.IsIPv6 ? 443 : 403;
        Assert.Equal(expected, permission);
        Assert.Equal(expected, channel);
    }

    [Theory]
    [InlineData("[::ffff:127.0.0.1]:5000")] // coturn CVE-2026-27624: the mapped form bypassed the loopback check
    [InlineData("[::ffff:10.1.2.3]:5000")]  // ... and denied-peer-ip
    public void IPv4MappedPeerOnADualAllocationIsJudgedByItsIPv4Address(string peer)
    {
        var h = new EngineHarness(
            o => o with { RelayAddresses = [StunAddress.Parse("192.0.2.1:0"), StunAddress.Parse("[2001:db8::1]:0")] },
            filter: PeerAddressFilterOptions.FromStrings(false, true, null, ["10.0.0.0/8"]));
        var c = new TestClient(h);
        c.Allocate(b => b.Family(StunAttributeType.AdditionalAddressFamily, StunAddressFamily.IPv6));
        StunAddress target = StunAddress.Parse(peer);
        Assert.Equal(403, EngineHarness.ErrorCodeOf(c.Request(StunMethod.CreatePermission, b => b.PeerAddress(target))));
        Assert.Equal(403, EngineHarness.ErrorCodeOf(c.Request(StunMethod.ChannelBind, b => b.Channel(0x4001).PeerAddress(target))));
    }

    [Theory]
    [InlineData("[::1]:5000")]
    [InlineData("[::]:5000")]
    [InlineData("[ff02::1]:5000")]
    [InlineData("[64:ff9b::7f00:1]:5000")] // NAT64 spelling of 127.0.0.1
    public void IPv6PermissionToAForbiddenPeerGets403(string peer)
    {
        var h = new EngineHarness(
            o => o with { RelayAddresses = [StunAddress.Parse("[2001:db8::1]:0")] },
            filter: PeerAddressFilterOptions.FromStrings(false, true, null, null));
        var c = new TestClient(h);
        StunAddress relay = c.Allocate(b => b.Family(StunAttributeType.RequestedAddressFamily, StunAddressFamily.IPv6));
        Assert.True(relay.IsIPv6);
        StunAddress target = StunAddress.Parse(peer);
        int expected = PeerAddress.Canonicalize(target).IsIPv4 ? 443 : 403; // NAT64 maps to IPv4: no IPv4 relay here
        Assert.Equal(expected, EngineHarness.ErrorCodeOf(c.Request(StunMethod.CreatePermission, b => b.PeerAddress(target))));
        Assert.Equal(0, EngineHarness.ErrorCodeOf(c.Request(StunMethod.CreatePermission, b => b.PeerAddress(StunAddress.Parse("[2001:db8::99]:1")))));
    }

    [Fact]
    public void AllowedRangeBeatsDeniedRange()
    {
        var h = new EngineHarness(filter: PeerAddressFilterOptions.FromStrings(false, false, ["10.1.0.0-10.1.255.255"], ["10.0.0.0/8"]));
        var c = new TestClient(h);
        c.Allocate();
        Assert.Equal(0, EngineHarness.ErrorCodeOf(c.Request(StunMethod.CreatePermission, b => b.PeerAddress(StunAddress.Parse("10.1.2.3:1")))));
        Assert.Equal(403, EngineHarness.ErrorCodeOf(c.Request(StunMethod.CreatePermission, b => b.PeerAddress(StunAddress.Parse("10.2.2.3:1")))));
    }

    [Fact]
    public void CreatePermissionWithoutAllocationGets437AndWithoutPeerGets400()
    {
        var h = new EngineHarness();
        var c = new TestClient(h);
        Assert.Equal(437, EngineHarness.ErrorCodeOf(c.Request(StunMethod.CreatePermission, b => b.PeerAddress(Peer))));
        c.Allocate();
        Assert.Equal(400, EngineHarness.ErrorCodeOf(c.Request(StunMethod.CreatePermission)));
    }

    [Fact]
    public void PeerDataWithoutPermissionIsDroppedAndWithPermissionBecomesADataIndication()
    {
        var h = new EngineHarness();
        var c = new TestClient(h);
        c.Allocate();
        int relayId = h.Io.OpenRelays.Keys.Single();
        int answers = h.Io.ToClients.Count;
        Assert.Equal(0, PeerSends(h, relayId, Peer, "hello"u8));
        Assert.Equal(answers, h.Io.ToClients.Count);

        Assert.Equal(0, EngineHarness.ErrorCodeOf(c.Request(StunMethod.CreatePermission, b => b.PeerAddress(Peer))));
        Assert.Equal(1, PeerSends(h, relayId, Peer.WithPort(6000), "hello"u8)); // any port of the permitted IP
        byte[] indication = h.Io.LastToClient;
        Assert.Equal(StunParseStatus.Ok, StunMessage.TryParse(indication, out StunMessage m));
        Assert.Equal(StunMethod.Data, m.Method);
        Assert.Equal(StunClass.Indication, m.Class);
        Assert.True(m.TryGetXorAddress(StunAttributeType.XorPeerAddress, out StunAddress from));
        Assert.Equal(Peer.WithPort(6000), from);
        Assert.True(m.TryGetAttribute(StunAttributeType.Data, out ReadOnlySpan<byte> data));
        Assert.Equal("hello"u8.ToArray(), data.ToArray());
    }

    [Fact]
    public void SendIndicationReachesThePeerOnlyWithAPermission()
    {
        var h = new EngineHarness();
        var c = new TestClient(h);
        c.Allocate();
        h.Engine.OnClientPacket(EngineHarness.SendIndication(Peer, "ping"u8), h.Context());
        Assert.Empty(h.Io.ToPeers);
        c.Request(StunMethod.CreatePermission, b => b.PeerAddress(Peer));
        h.Engine.OnClientPacket(EngineHarness.SendIndication(Peer, "ping"u8), h.Context());
        (int relayId, StunAddress to, byte[] payload) = Assert.Single(h.Io.ToPeers);
        Assert.Equal(Peer, to);
        Assert.Equal("ping"u8.ToArray(), payload);
        Assert.Equal(h.Io.OpenRelays.Keys.Single(), relayId);
    }

    [Fact]
    public void ChannelDataTravelsBothWaysOnceBound()
    {
        var h = new EngineHarness();
        var c = new TestClient(h);
        c.Allocate();
        Assert.Equal(0, EngineHarness.ErrorCodeOf(c.Request(StunMethod.ChannelBind, b => b.Channel(0x4001).PeerAddress(Peer))));

        byte[] channelData = new byte[4 + 5];
        BinaryPrimitives.WriteUInt16BigEndian(channelData, 0x4001);
        BinaryPrimitives.WriteUInt16BigEndian(channelData.AsSpan(2), 5);
        "abcde"u8.CopyTo(channelData.AsSpan(4));
        h.Engine.OnClientPacket(channelData, h.Context());
        Assert.Equal("abcde"u8.ToArray(), Assert.Single(h.Io.ToPeers).Data);

        int relayId = h.Io.OpenRelays.Keys.Single();
        Assert.Equal(1, PeerSends(h, relayId, Peer, "xyz"u8));
        byte[] back = h.Io.LastToClient;
        Assert.True(ChannelData.TryParse(back, out ushort channel, out ReadOnlySpan<byte> payload));
        Assert.Equal(0x4001, channel);
        Assert.Equal("xyz"u8.ToArray(), payload.ToArray());
        Assert.Equal(7, back.Length); // no padding over UDP

        // Unbound channel numbers and other clients' ChannelData are dropped.
        BinaryPrimitives.WriteUInt16BigEndian(channelData, 0x4002);
        h.Engine.OnClientPacket(channelData, h.Context());
        h.Engine.OnClientPacket(channelData, h.Context(StunAddress.Parse("198.51.100.99:1")));
        Assert.Single(h.Io.ToPeers);
    }

    [Fact]
    public void ChannelBindConflictsGet400AndRebindingTheSamePairRefreshes()
    {
        var h = new EngineHarness();
        var c = new TestClient(h);
        c.Allocate();
        Assert.Equal(0, EngineHarness.ErrorCodeOf(c.Request(StunMethod.ChannelBind, b => b.Channel(0x4001).PeerAddress(Peer))));
        Assert.Equal(0, EngineHarness.ErrorCodeOf(c.Request(StunMethod.ChannelBind, b => b.Channel(0x4001).PeerAddress(Peer))));
        Assert.Equal(400, EngineHarness.ErrorCodeOf(c.Request(StunMethod.ChannelBind, b => b.Channel(0x4001).PeerAddress(Peer.WithPort(1)))));
        Assert.Equal(400, EngineHarness.ErrorCodeOf(c.Request(StunMethod.ChannelBind, b => b.Channel(0x4002).PeerAddress(Peer))));
        Assert.Equal(400, EngineHarness.ErrorCodeOf(c.Request(StunMethod.ChannelBind, b => b.Channel(0x3FFF).PeerAddress(Peer.WithPort(2)))));
        Assert.Equal(400, EngineHarness.ErrorCodeOf(c.Request(StunMethod.ChannelBind, b => b.Channel(0x4003))));
    }

    [Fact]
    public void RequestsFromAnotherUserOnTheAllocationGet441()
    {
        var h = new EngineHarness();
        var bob = new TestClient(h);
        bob.Allocate();
        bob.User = "alice";
        bob.Password = "wonderland";
        Assert.Equal(441, EngineHarness.ErrorCodeOf(bob.Request(StunMethod.CreatePermission, b => b.PeerAddress(Peer))));
    }

    [Fact]
    public void RefreshZeroDeletesTheAllocationAndFreesItsPort()
    {
        var h = new EngineHarness(minPort: 50000, maxPort: 50000);
        var c = new TestClient(h);
        c.Allocate();
        byte[] r = c.Request(StunMethod.Refresh, b => b.Lifetime(0));
        Assert.Equal(0, EngineHarness.ErrorCodeOf(r));
        Assert.Equal(0, h.Engine.AllocationCount);
        Assert.Empty(h.Io.OpenRelays);
        Assert.Equal(0, h.Quotas.Total);
        Assert.Equal(437, EngineHarness.ErrorCodeOf(c.Request(StunMethod.Refresh, b => b.Lifetime(600))));
        c.Allocate(); // the single port is free again
    }

    [Fact]
    public void AllocationsExpireAndTheirPortsAreFreedAgain()
    {
        var h = new EngineHarness(minPort: 50000, maxPort: 50000);
        var c = new TestClient(h);
        c.Allocate();
        h.Advance(TimeSpan.FromSeconds(599));
        h.Engine.OnTick();
        Assert.Equal(1, h.Engine.AllocationCount);
        h.Advance(TimeSpan.FromSeconds(2));
        h.Engine.OnTick();
        Assert.Equal(0, h.Engine.AllocationCount);
        Assert.Empty(h.Io.OpenRelays);
        var alice = new TestClient(h, "alice", "wonderland", StunAddress.Parse("198.51.100.7:40002"));
        Assert.Equal(50000, alice.Allocate().Port);
    }

    [Fact]
    public void PermissionsExpire()
    {
        var h = new EngineHarness();
        var c = new TestClient(h);
        c.Allocate();
        c.Request(StunMethod.CreatePermission, b => b.PeerAddress(Peer));
        int relayId = h.Io.OpenRelays.Keys.Single();
        Assert.Equal(1, PeerSends(h, relayId, Peer, "a"u8));
        h.Advance(TimeSpan.FromSeconds(301));
        Assert.Equal(0, PeerSends(h, relayId, Peer, "a"u8));
    }

    [Fact]
    public void MaxBpsDropsTheExcess()
    {
        var h = new EngineHarness(o => o with { MaxBps = 1000 });
        var c = new TestClient(h);
        c.Allocate();
        c.Request(StunMethod.CreatePermission, b => b.PeerAddress(Peer));
        for (int i = 0; i < 10; i++)
        {
            h.Engine.OnClientPacket(EngineHarness.SendIndication(Peer, new byte[300]), h.Context());
        }

        Assert.Equal(3, h.Io.ToPeers.Count);
        h.Advance(TimeSpan.FromSeconds(1));
        h.Engine.OnClientPacket(EngineHarness.SendIndication(Peer, new byte[300]), h.Context());
        Assert.Equal(4, h.Io.ToPeers.Count);
    }

    [Fact]
    public void RelayingAllocatesNothing()
    {
        var h = new EngineHarness();
        var c = new TestClient(h);
        c.Allocate();
        c.Request(StunMethod.ChannelBind, b => b.Channel(0x4001).PeerAddress(Peer));
        c.Request(StunMethod.CreatePermission, b => b.PeerAddress(Peer.WithPort(7000)));
        byte[] channelData = [0x40, 0x01, 0x00, 0x04, 1, 2, 3, 4];
        byte[] send = EngineHarness.SendIndication(Peer.WithPort(7000), [1, 2, 3, 4]);
        byte[] slot = new byte[TurnEngine.PeerDataHeadroom + 100];
        int relayId = h.Io.OpenRelays.Keys.Single();
        var context = h.Context();
        h.Io.Record = false;
        h.Engine.OnClientPacket(channelData, context);
        h.Engine.OnClientPacket(send, context);
        h.Engine.OnPeerPacket(relayId, Peer, slot, TurnEngine.PeerDataHeadroom, 4);
        h.Engine.OnPeerPacket(relayId, Peer.WithPort(7000), slot, TurnEngine.PeerDataHeadroom, 4);
        int sends = h.Io.SendCount;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            h.Engine.OnClientPacket(channelData, context);              // ChannelData → peer
            h.Engine.OnClientPacket(send, context);                     // Send indication → peer
            h.Engine.OnPeerPacket(relayId, Peer, slot, TurnEngine.PeerDataHeadroom, 4);                // → ChannelData
            h.Engine.OnPeerPacket(relayId, Peer.WithPort(7000), slot, TurnEngine.PeerDataHeadroom, 4); // → Data indication
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(sends + 4000, h.Io.SendCount);
    }

    private static int PeerSends(EngineHarness h, int relayId, StunAddress from, ReadOnlySpan<byte> data)
    {
        int before = h.Io.ToClients.Count;
        byte[] slot = new byte[TurnEngine.PeerDataHeadroom + data.Length + 16];
        data.CopyTo(slot.AsSpan(TurnEngine.PeerDataHeadroom));
        h.Engine.OnPeerPacket(relayId, from, slot, TurnEngine.PeerDataHeadroom, data.Length);
        return h.Io.ToClients.Count - before;
    }
}
