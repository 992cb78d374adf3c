using System.Buffers.Binary;
using Turn.Protocol;
using Turn.Server.Engine;

namespace Turn.Server.Tests.Engine;

/// <summary>The allocation events the engine hands to <see cref="IAllocationObserver"/> (coturn's status reports).</summary>
public sealed class AllocationEventTests
{
    private static readonly StunAddress Peer = StunAddress.Parse("203.0.113.9:5000");

    private static RealmTestBed Bed()
    {
        var bed = new RealmTestBed();
        bed.Users.Add("bob", RealmTestBed.DefaultRealm, "pass1");
        return bed;
    }

    [Fact]
    public void CreatedRefreshedAndDeletedCarryTheLifetimeAndTheTraffic()
    {
        RealmTestBed bed = Bed();
        StunAddress client = RealmTestBed.ClientAt(40000);
        (string realm, string nonce) = bed.AllocateOk(client, "bob", "pass1");
        Assert.Equal(0, Code(bed, client, StunMethod.ChannelBind, b => b.Channel(0x4001).PeerAddress(Peer), realm, nonce));

        for (int i = 0; i < 3; i++)
        {
            bed.Engine.OnClientPacket(ChannelData(0x4001, 5), new PacketContext(client, RealmTestBed.Server, TransportKind.Udp, 0));
        }

        int relayId = bed.Io.OpenRelays.Keys.Single();
        for (int i = 0; i < 2; i++)
        {
            FromPeer(bed, relayId, 7);
        }

        Assert.Equal(0, Code(bed, client, StunMethod.Refresh, b => b.Lifetime(1200), realm, nonce));
        Assert.Equal(0, Code(bed, client, StunMethod.Refresh, b => b.Lifetime(0), realm, nonce));

        Assert.Equal(
            [AllocationEventKind.Created, AllocationEventKind.Refreshed, AllocationEventKind.Refreshed, AllocationEventKind.Deleted],
            bed.Events.Events.Select(e => e.Kind));
        AllocationEvent created = bed.Events.Events[0];
        Assert.Equal(600u, created.Lifetime);
        Assert.Equal("bob", created.Username);
        Assert.Equal(RealmTestBed.DefaultRealm, created.Realm);
        Assert.Equal(client, created.Client);
        Assert.Equal(RealmTestBed.Server, created.Local);
        Assert.Equal(TransportKind.Udp, created.Transport);
        Assert.NotEqual(0UL, created.AllocationId);
        Assert.Equal(1200u, bed.Events.Events[1].Lifetime);
        Assert.Equal(0u, bed.Events.Events[2].Lifetime);
        Assert.All(bed.Events.Events, e => Assert.Equal(created.AllocationId, e.AllocationId));

        AllocationEvent deleted = bed.Events.Events[3];
        Assert.Equal(3UL, deleted.Total.ClientReceivedPackets);
        Assert.Equal(3UL * 9, deleted.Total.ClientReceivedBytes);     // ChannelData header + 5 bytes
        Assert.Equal(3UL, deleted.Total.PeerSentPackets);
        Assert.Equal(3UL * 5, deleted.Total.PeerSentBytes);
        Assert.Equal(2UL, deleted.Total.PeerReceivedPackets);
        Assert.Equal(2UL * 7, deleted.Total.PeerReceivedBytes);
        Assert.Equal(2UL, deleted.Total.ClientSentPackets);
        Assert.Equal(2UL * 11, deleted.Total.ClientSentBytes);        // ChannelData header + 7 bytes over UDP
        Assert.Equal(deleted.Total, deleted.Interval);                 // no traffic report came before
    }

    [Fact]
    public void TrafficIsReportedOnTheTickOnce4096PacketsPassedAndTheDeletionCarriesTheRest()
    {
        RealmTestBed bed = Bed();
        StunAddress client = RealmTestBed.ClientAt(40000);
        (string realm, string nonce) = bed.AllocateOk(client, "bob", "pass1");
        Assert.Equal(0, Code(bed, client, StunMethod.ChannelBind, b => b.Channel(0x4001).PeerAddress(Peer), realm, nonce));
        var context = new PacketContext(client, RealmTestBed.Server, TransportKind.Udp, 0);
        byte[] packet = ChannelData(0x4001, 5);
        for (int i = 0; i < 2047; i++)
        {
            bed.Engine.OnClientPacket(packet, context); // 2 packets counted each: from the client, to the peer
        }

        bed.Engine.OnTick();
        Assert.DoesNotContain(bed.Events.Events, e => e.Kind == AllocationEventKind.Traffic);

        bed.Engine.OnClientPacket(packet, context);
        bed.Engine.OnTick();
        AllocationEvent traffic = Assert.Single(bed.Events.Events, e => e.Kind == AllocationEventKind.Traffic);
        Assert.Equal(2048UL, traffic.Interval.ClientReceivedPackets);
        Assert.Equal(2048UL, traffic.Interval.PeerSentPackets);
        bed.Engine.OnTick();
        Assert.Single(bed.Events.Events, e => e.Kind == AllocationEventKind.Traffic);

        bed.Engine.OnClientPacket(packet, context);
        Assert.Equal(0, Code(bed, client, StunMethod.Refresh, b => b.Lifetime(0), realm, nonce));
        AllocationEvent deleted = bed.Events.Events[^1];
        Assert.Equal(AllocationEventKind.Deleted, deleted.Kind);
        Assert.Equal(1UL, deleted.Interval.ClientReceivedPackets);
        Assert.Equal(2049UL, deleted.Total.ClientReceivedPackets);
    }

    [Fact]
    public void CountingTrafficAllocatesNothingOnTheRelayPath()
    {
        RealmTestBed bed = Bed();
        StunAddress client = RealmTestBed.ClientAt(40000);
        (string realm, string nonce) = bed.AllocateOk(client, "bob", "pass1");
        Assert.Equal(0, Code(bed, client, StunMethod.ChannelBind, b => b.Channel(0x4001).PeerAddress(Peer), realm, nonce));
        var context = new PacketContext(client, RealmTestBed.Server, TransportKind.Udp, 0);
        byte[] packet = ChannelData(0x4001, 100);
        int relayId = bed.Io.OpenRelays.Keys.Single();
        byte[] slot = new byte[TurnEngine.PeerDataHeadroom + 100 + 16];
        bed.Io.Record = false;
        int sendsBefore = bed.Io.SendCount;
        for (int i = 0; i < 100; i++)
        {
            bed.Engine.OnClientPacket(packet, context);
            bed.Engine.OnPeerPacket(relayId, Peer, slot, TurnEngine.PeerDataHeadroom, 100);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            bed.Engine.OnClientPacket(packet, context);
            bed.Engine.OnPeerPacket(relayId, Peer, slot, TurnEngine.PeerDataHeadroom, 100);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(20_200, bed.Io.SendCount - sendsBefore); // every packet relayed, both directions
    }

    [Fact]
    public void AnExpiredAllocationIsReportedDeleted()
    {
        RealmTestBed bed = Bed();
        bed.AllocateOk(RealmTestBed.ClientAt(40000), "bob", "pass1");
        bed.Engine.NowMs += 601_000;
        bed.Engine.OnTick();
        Assert.Equal([AllocationEventKind.Created, AllocationEventKind.Deleted], bed.Events.Events.Select(e => e.Kind));
        Assert.Equal(0, bed.Engine.AllocationCount);
    }

    [Fact]
    public void AllocationIdsAreDistinctWithinAndAcrossEngines()
    {
        RealmTestBed bed = Bed();
        bed.AllocateOk(RealmTestBed.ClientAt(40000), "bob", "pass1");
        bed.AllocateOk(RealmTestBed.ClientAt(40001), "bob", "pass1");
        byte[] challenge = RealmTestBed.Allocate();
        var context = new PacketContext(RealmTestBed.ClientAt(40002), RealmTestBed.Server, TransportKind.Udp, 0);
        var io = new FakeRelayIo();
        var second = new TurnEngine(bed.Services, io) { NowMs = bed.Engine.NowMs };
        second.OnClientPacket(challenge, context);
        (_, string realm, string nonce) = RealmTestBed.Parse(io.LastToClient);
        second.OnClientPacket(RealmTestBed.Allocate(null, "bob", "pass1", realm, nonce), context);
        Assert.Equal(0, RealmTestBed.Parse(io.LastToClient).Code);

        ulong[] ids = bed.Events.Events.Where(e => e.Kind == AllocationEventKind.Created).Select(e => e.AllocationId).ToArray();
        Assert.Equal(3, ids.Length);
        Assert.Equal(3, ids.Distinct().Count());
        Assert.Equal(ids[0] / 1_000_000_000_000_000UL, ids[1] / 1_000_000_000_000_000UL); // one engine, one id range
        Assert.NotEqual(ids[0] / 1_000_000_000_000_000UL, ids[2] / 1_000_000_000_000_000UL);
    }

    private static int Code(RealmTestBed bed, StunAddress client, StunMethod method, Action<StunMessageWriterBox> body, string realm, string nonce) =>
        RealmTestBed.Parse(bed.Exchange(RealmTestBed.Request(method, null, body, "bob", "pass1", realm, nonce), client)).Code;

    private static byte[] ChannelData(ushort channel, int length)
    {
        byte[] packet = new byte[4 + length];
        BinaryPrimitives.WriteUInt16BigEndian(packet, channel);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)length);
        return packet;
    }

    private static void FromPeer(RealmTestBed bed, int relayId, int length)
    {
        byte[] slot = new byte[TurnEngine.PeerDataHeadroom + length + 16];
        bed.Engine.OnPeerPacket(relayId, Peer, slot, TurnEngine.PeerDataHeadroom, length);
    }
}
