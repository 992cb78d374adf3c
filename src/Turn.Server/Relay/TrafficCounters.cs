namespace Turn.Server.Relay;

/// <summary>
/// Packets and bytes one allocation moved, counted as coturn counts them for its statistics: on the client side
/// (received from / sent to the client: rcvp, rcvb, sentp, sentb) and on the peer side (the same towards peers).
/// Plain fields: only the worker that owns the allocation adds to them, on the relay path, without locks.
/// </summary>
public struct TrafficCounters
{
    /// <summary>Packets received from the client.</summary>
    public ulong ClientReceivedPackets;

    /// <summary>Bytes received from the client (whole ChannelData / STUN messages).</summary>
    public ulong ClientReceivedBytes;

    /// <summary>Packets sent to the client.</summary>
    public ulong ClientSentPackets;

    /// <summary>Bytes sent to the client (whole ChannelData / Data indications).</summary>
    public ulong ClientSentBytes;

    /// <summary>Datagrams received from peers.</summary>
    public ulong PeerReceivedPackets;

    /// <summary>Payload bytes received from peers.</summary>
    public ulong PeerReceivedBytes;

    /// <summary>Datagrams sent to peers.</summary>
    public ulong PeerSentPackets;

    /// <summary>Payload bytes sent to peers.</summary>
    public ulong PeerSentBytes;

    /// <summary>All packets, both sides and directions (coturn reports traffic every 4096 of them).</summary>
    public readonly ulong Packets => ClientReceivedPackets + ClientSentPackets + PeerReceivedPackets + PeerSentPackets;

    /// <summary>What moved between two readings of the same counters.</summary>
    public static TrafficCounters operator -(in TrafficCounters now, in TrafficCounters before) => new()
    {
        ClientReceivedPackets = now.ClientReceivedPackets - before.ClientReceivedPackets,
        ClientReceivedBytes = now.ClientReceivedBytes - before.ClientReceivedBytes,
        ClientSentPackets = now.ClientSentPackets - before.ClientSentPackets,
        ClientSentBytes = now.ClientSentBytes - before.ClientSentBytes,
        PeerReceivedPackets = now.PeerReceivedPackets - before.PeerReceivedPackets,
        PeerReceivedBytes = now.PeerReceivedBytes - before.PeerReceivedBytes,
        PeerSentPackets = now.PeerSentPackets - before.PeerSentPackets,
        PeerSentBytes = now.PeerSentBytes - before.PeerSentBytes,
    };

    /// <summary>A packet from the client to a peer: counted on both sides.</summary>
    public void ToPeer(int clientBytes, int peerBytes)
    {
        ClientReceivedPackets++;
        ClientReceivedBytes += (ulong)clientBytes;
        PeerSentPackets++;
        PeerSentBytes += (ulong)peerBytes;
    }

    /// <summary>A packet from a peer to the client: counted on both sides.</summary>
    public void ToClient(int peerBytes, int clientBytes)
    {
        PeerReceivedPackets++;
        PeerReceivedBytes += (ulong)peerBytes;
        ClientSentPackets++;
        ClientSentBytes += (ulong)clientBytes;
    }
}
