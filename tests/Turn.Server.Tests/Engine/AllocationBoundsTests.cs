using System.Buffers.Binary;
using System.Text;
using Turn.Protocol;
using Turn.Server.Engine;

namespace Turn.Server.Tests.Engine;

/// <summary>
/// What one allocation may hold and name (issue 9): caps on permissions and channels (508, RFC 8656 §9.2/§11.2),
/// RFC 8656 §12's channel range (400), the peer's address family (443), lifetimes clamped to
/// max-allocate-lifetime, and check-origin-consistency (441).
/// </summary>
public sealed class AllocationBoundsTests
{
    private static readonly StunAddress Peer = EngineHarness.Peer;

    private static StunAddress PeerNumber(int i) => StunAddress.FromIPv4(0xCB007100u + (uint)i, 5000); // 203.0.113.i

    [Fact]
    public void PermissionsBeyondTheCapGet508AndInstallNothing()
    {
        var h = new EngineHarness(o => o with { MaxPermissionsPerAllocation = 3 });
        var c = new TestClient(h);
        c.Allocate();
        Assert.Equal(0, Code(c.Request(StunMethod.CreatePermission, b => b.PeerAddress(PeerNumber(1)).PeerAddress(PeerNumber(2)))));
        Assert.Equal(0, Code(c.Request(StunMethod.CreatePermission, b => b.PeerAddress(PeerNumber(3)))));

        // A fourth peer, alone or next to one already permitted: 508, and neither is (re)installed.
        Assert.Equal(508, Code(c.Request(StunMethod.CreatePermission, b => b.PeerAddress(PeerNumber(4)))));
        Assert.Equal(508, Code(c.Request(StunMethod.CreatePermission, b => b.PeerAddress(PeerNumber(1)).PeerAddress(PeerNumber(4)))));
        Assert.Equal(0, h.PeerSends(PeerNumber(4)));

        // Refreshing permitted peers (another port is the same permission) still works at the cap.
        Assert.Equal(0, Code(c.Request(StunMethod.CreatePermission, b => b.PeerAddress(PeerNumber(1).WithPort(9)).PeerAddress(PeerNumber(2)))));
        Assert.Equal(1, h.PeerSends(PeerNumber(1)));

        // Expired permissions make room at once, without waiting for the sweep.
        h.Advance(TimeSpan.FromSeconds(h.Options.PermissionLifetimeSeconds + 1));
        Assert.Equal(0, Code(c.Request(StunMethod.CreatePermission, b => b.PeerAddress(PeerNumber(4)).PeerAddress(PeerNumber(5)).PeerAddress(PeerNumber(6)))));
        Assert.Equal(1, h.PeerSends(PeerNumber(6)));
    }

    [Fact]
    public void ChannelsBeyondTheCapGet508UntilAnEndedBindingIsReleased()
    {
        var h = new EngineHarness(o => o with { MaxChannelsPerAllocation = 2 });
        var c = new TestClient(h);
        c.Allocate();
        Assert.Equal(0, Code(c.Request(StunMethod.ChannelBind, b => b.Channel(0x4000).PeerAddress(PeerNumber(1)))));
        Assert.Equal(0, Code(c.Request(StunMethod.ChannelBind, b => b.Channel(0x4001).PeerAddress(PeerNumber(2)))));
        Assert.Equal(508, Code(c.Request(StunMethod.ChannelBind, b => b.Channel(0x4002).PeerAddress(PeerNumber(3)))));
        Assert.Equal(0, Code(c.Request(StunMethod.ChannelBind, b => b.Channel(0x4001).PeerAddress(PeerNumber(2))))); // refresh
        Assert.Equal(0, h.PeerSends(PeerNumber(3))); // the refused bind installed no permission either

        // RFC 8656 §12: an ended binding keeps its slot for five more minutes, then the slot is free.
        h.Advance(TimeSpan.FromSeconds(h.Options.ChannelLifetimeSeconds + 1));
        Assert.Equal(508, Code(c.Request(StunMethod.ChannelBind, b => b.Channel(0x4002).PeerAddress(PeerNumber(3)))));
        h.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(0, Code(c.Request(StunMethod.ChannelBind, b => b.Channel(0x4002).PeerAddress(PeerNumber(3)))));
    }

    [Fact]
    public void AChannelBindThatNeedsAPermissionBeyondTheCapGets508()
    {
        var h = new EngineHarness(o => o with { MaxPermissionsPerAllocation = 1 });
        var c = new TestClient(h);
        c.Allocate();
        Assert.Equal(0, Code(c.Request(StunMethod.CreatePermission, b => b.PeerAddress(PeerNumber(1)))));
        Assert.Equal(508, Code(c.Request(StunMethod.ChannelBind, b => b.Channel(0x4000).PeerAddress(PeerNumber(2)))));
        Assert.Equal(0, Code(c.Request(StunMethod.ChannelBind, b => b.Channel(0x4000).PeerAddress(PeerNumber(1).WithPort(7)))));
    }

    [Fact]
    public void ThousandsOfPermissionsAndChannelsStillRelayWithoutAllocating()
    {
        const int Peers = 4000;
        var h = new EngineHarness(o => o with { MaxPermissionsPerAllocation = Peers, MaxChannelsPerAllocation = Peers });
        var c = new TestClient(h);
        c.Allocate();
        for (int i = 0; i < Peers; i++)
        {
            StunAddress peer = StunAddress.FromIPv4(0xC6120000u + (uint)i, 5000); // 198.18.x.y
            Assert.Equal(0, Code(c.Request(StunMethod.ChannelBind, b => b.Channel((ushort)(0x4000 + i)).PeerAddress(peer))));
        }

        StunAddress last = StunAddress.FromIPv4(0xC6120000u + Peers - 1, 5000);
        byte[] channelData = new byte[8];
        BinaryPrimitives.WriteUInt16BigEndian(channelData, (ushort)(0x4000 + Peers - 1));
        BinaryPrimitives.WriteUInt16BigEndian(channelData.AsSpan(2), 4);
        byte[] slot = new byte[TurnEngine.PeerDataHeadroom + 100];
        int relayId = h.Io.OpenRelays.Keys.Single();
        var context = h.Context();
        h.Engine.OnClientPacket(channelData, context);
        h.Engine.OnPeerPacket(relayId, last, slot, TurnEngine.PeerDataHeadroom, 4);
        Assert.Equal(last, h.Io.ToPeers[^1].Peer);
        Assert.True(ChannelData.TryParse(h.Io.LastToClient, out ushort channel, out _));
        Assert.Equal(0x4000 + Peers - 1, channel);

        h.Io.Record = false;
        int sends = h.Io.SendCount;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            h.Engine.OnClientPacket(channelData, context);
            h.Engine.OnPeerPacket(relayId, last, slot, TurnEngine.PeerDataHeadroom, 4);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(sends + 2000, h.Io.SendCount);
    }

    [Theory]
    [InlineData(0x4000, false, 0)]
    [InlineData(0x4FFF, false, 0)]
    [InlineData(0x5000, false, 400)] // RFC 8656 §12 (coturn 4.16): beyond 0x4FFF is refused by default
    [InlineData(0x7FFF, false, 400)]
    [InlineData(0x3FFF, false, 400)]
    [InlineData(0x8000, false, 400)]
    [InlineData(0x5000, true, 0)]    // --rfc5766-channel-numbers: RFC 5766's 0x4000-0x7FFF
    [InlineData(0x7FFF, true, 0)]
    [InlineData(0x3FFF, true, 400)]
    [InlineData(0x8000, true, 400)]
    public void ChannelNumbersOutsideTheRfc8656RangeGet400UnlessRfc5766NumbersAreOn(int number, bool rfc5766, int expected)
    {
        var h = new EngineHarness(o => o with { Rfc5766ChannelNumbers = rfc5766 });
        var c = new TestClient(h);
        c.Allocate();
        Assert.Equal(expected, Code(c.Request(StunMethod.ChannelBind, b => b.Channel((ushort)number).PeerAddress(Peer))));
        if (expected == 0)
        {
            byte[] channelData = [(byte)(number >> 8), (byte)number, 0, 2, 0xAB, 0xCD];
            h.Engine.OnClientPacket(channelData, h.Context());
            Assert.Equal(new byte[] { 0xAB, 0xCD }, Assert.Single(h.Io.ToPeers).Data);
        }
    }

    [Theory]
    [InlineData("[::ffff:203.0.113.9]:5000")] // IPv4-mapped is IPv6 on the wire
    [InlineData("[64:ff9b::cb00:7109]:5000")] // NAT64 spelling of 203.0.113.9
    [InlineData("[2001:db8::9]:5000")]
    public void AnIPv6PeerOnAnIPv4OnlyAllocationGets443AndIsNotRelayedTo(string peer)
    {
        var h = new EngineHarness();
        var c = new TestClient(h);
        c.Allocate();
        StunAddress target = StunAddress.Parse(peer);
        Assert.Equal(443, Code(c.Request(StunMethod.CreatePermission, b => b.PeerAddress(target))));
        Assert.Equal(443, Code(c.Request(StunMethod.ChannelBind, b => b.Channel(0x4000).PeerAddress(target))));

        // Send: with a permission for the IPv4 address itself, the IPv6 spelling is still dropped.
        Assert.Equal(0, Code(c.Request(StunMethod.CreatePermission, b => b.PeerAddress(Peer))));
        long dropped = h.Engine.Counters.RelayDropped;
        h.Engine.OnClientPacket(EngineHarness.SendIndication(target, "x"u8), h.Context());
        Assert.Empty(h.Io.ToPeers);
        Assert.Equal(dropped + 1, h.Engine.Counters.RelayDropped);
        h.Engine.OnClientPacket(EngineHarness.SendIndication(Peer, "x"u8), h.Context());
        Assert.Single(h.Io.ToPeers);
    }

    [Fact]
    public void AnIPv4PeerOnAnIPv6OnlyAllocationGets443()
    {
        var h = new EngineHarness(o => o with { RelayAddresses = [StunAddress.Parse("[2001:db8::1]:0")] });
        var c = new TestClient(h);
        Assert.True(c.Allocate(b => b.Family(StunAttributeType.RequestedAddressFamily, StunAddressFamily.IPv6)).IsIPv6);
        Assert.Equal(443, Code(c.Request(StunMethod.CreatePermission, b => b.PeerAddress(Peer))));
        Assert.Equal(443, Code(c.Request(StunMethod.ChannelBind, b => b.Channel(0x4000).PeerAddress(Peer))));
        Assert.Equal(443, Code(c.Request(StunMethod.CreatePermission, b => b.PeerAddress(StunAddress.Parse("[::ffff:203.0.113.9]:1")))));
        Assert.Equal(0, Code(c.Request(StunMethod.CreatePermission, b => b.PeerAddress(StunAddress.Parse("[2001:db8::9]:1")))));
    }

    [Fact]
    public void RequestedLifetimesAreClampedToMaxAllocateLifetimeOnAllocateAndRefresh()
    {
        var h = new EngineHarness(o => o with { MaxAllocateLifetimeSeconds = 1200 });
        var c = new TestClient(h);
        Assert.Equal(1200u, EngineHarness.LifetimeOf(c.Request(StunMethod.Allocate, b => b.RequestedTransport(17).Lifetime(uint.MaxValue))));
        Assert.Equal(1200u, EngineHarness.LifetimeOf(c.Request(StunMethod.Refresh, b => b.Lifetime(86400))));

        // The allocation really ends at the clamped lifetime, not the requested one.
        h.Advance(TimeSpan.FromSeconds(1199));
        h.Engine.OnTick();
        Assert.Equal(1, h.Engine.AllocationCount);
        h.Advance(TimeSpan.FromSeconds(2));
        h.Engine.OnTick();
        Assert.Equal(0, h.Engine.AllocationCount);
    }

    [Fact]
    public void WithCheckOriginConsistencyEveryRequestMustCarryTheAllocatesOrigin()
    {
        var h = new EngineHarness(o => o with { CheckOriginConsistency = true });
        var c = new TestClient(h);
        c.Allocate(b => Origin(b, "https://a.example"));
        Assert.Equal(441, Code(c.Request(StunMethod.Refresh, b => b.Lifetime(600))));
        Assert.Equal(441, Code(c.Request(StunMethod.Refresh, b => Origin(b.Lifetime(600), "https://b.example"))));
        Assert.Equal(441, Code(c.Request(StunMethod.CreatePermission, b => Origin(b.PeerAddress(Peer), "https://b.example"))));
        Assert.Equal(441, Code(c.Request(StunMethod.ChannelBind, b => Origin(b.Channel(0x4000).PeerAddress(Peer), "https://b.example"))));
        Assert.Equal(0, h.PeerSends(Peer)); // nothing was installed
        Assert.Equal(0, Code(c.Request(StunMethod.CreatePermission, b => Origin(b.PeerAddress(Peer), "https://a.example"))));
        Assert.Equal(0, Code(c.Request(StunMethod.ChannelBind, b => Origin(Origin(b.Channel(0x4000).PeerAddress(Peer), "https://b.example"), "https://a.example"))));
        Assert.Equal(0, Code(c.Request(StunMethod.Refresh, b => Origin(b.Lifetime(600), "https://a.example"))));
    }

    [Fact]
    public void WithCheckOriginConsistencyASessionWithoutOriginMustNotNameOne()
    {
        var h = new EngineHarness(o => o with { CheckOriginConsistency = true });
        var c = new TestClient(h);
        c.Allocate();
        Assert.Equal(441, Code(c.Request(StunMethod.CreatePermission, b => Origin(b.PeerAddress(Peer), "https://a.example"))));
        Assert.Equal(0, Code(c.Request(StunMethod.CreatePermission, b => b.PeerAddress(Peer))));
    }

    [Fact]
    public void WithoutCheckOriginConsistencyOriginsAreNotCompared()
    {
        var h = new EngineHarness();
        var c = new TestClient(h);
        c.Allocate(b => Origin(b, "https://a.example"));
        Assert.Equal(0, Code(c.Request(StunMethod.CreatePermission, b => Origin(b.PeerAddress(Peer), "https://b.example"))));
        Assert.Equal(0, Code(c.Request(StunMethod.Refresh, b => b.Lifetime(600))));
    }

    private static StunMessageWriterBox Origin(StunMessageWriterBox b, string origin) =>
        b.Raw((ushort)StunAttributeType.Origin, Encoding.UTF8.GetBytes(origin));

    private static int Code(byte[] response) => EngineHarness.ErrorCodeOf(response);
}
