using System.Buffers.Binary;
using Turn.Protocol;
using Turn.Server.Relay;

namespace Turn.Server.Engine;

public sealed partial class TurnEngine
{
    /// <summary>Send indication: RFC 8656 §10.2. Anything wrong is dropped silently (indications get no answer).</summary>
    private void OnSendIndication(in StunMessage indication, in PacketContext context)
    {
        if (!_allocations.TryGetValue(FiveTuple.Of(context), out Allocation? allocation)
            || allocation.Tcp is not null // RFC 6062: a TCP allocation's data goes over data connections
            || !indication.TryGetAttribute(StunAttributeType.XorPeerAddress, out ReadOnlySpan<byte> peerValue)
            || !indication.TryGetAttribute(StunAttributeType.Data, out ReadOnlySpan<byte> data)
            || !StunAttributeReader.TryReadXorAddress(peerValue, indication.TransactionId, out StunAddress raw))
        {
            Counters.RelayDropped++;
            return;
        }

        // 443's rule (see FamilyMatches), silently: an IPv6-family peer needs an IPv6 relay even when it spells an IPv4 address.
        StunAddress peer = Security.PeerAddress.Canonicalize(raw);
        RelayEndpoint? relay = allocation.RelayFor(peer);
        if (relay is null
            || allocation.RelayFor(raw) is null
            || !_services.PeerFilter.IsAllowed(peer) // with the port: this server's own addresses only on relay ports
            || !allocation.HasPermission(peer, NowMs)
            || !allocation.ToPeer.TryConsume(data.Length, NowMs))
        {
            Counters.RelayDropped++;
            return;
        }

        Counters.RelayedToPeer++;
        allocation.Traffic.ToPeer(indication.Raw.Length, data.Length);
        _io.SendToPeer(relay.RelayId, peer, data);
    }

    /// <summary>ChannelData from the client: RFC 8656 §12.4 (per-packet path: no allocation, no lock).</summary>
    private void OnChannelDataFromClient(ReadOnlySpan<byte> packet, in PacketContext context)
    {
        if (!ChannelData.TryParse(packet, out ushort channel, out ReadOnlySpan<byte> data)
            || !_allocations.TryGetValue(FiveTuple.Of(context), out Allocation? allocation)
            || !allocation.TryGetChannelPeer(channel, NowMs, out StunAddress peer)
            || !allocation.HasPermission(peer, NowMs)
            || !_services.PeerFilter.IsAllowed(peer) // as for Send: a relay port of this server may have closed since the bind
            || !allocation.ToPeer.TryConsume(data.Length, NowMs))
        {
            Counters.RelayDropped++;
            return;
        }

        RelayEndpoint? relay = allocation.RelayFor(peer);
        if (relay is null)
        {
            Counters.RelayDropped++;
            return;
        }

        Counters.RelayedToPeer++;
        allocation.Traffic.ToPeer(packet.Length, data.Length);
        _io.SendToPeer(relay.RelayId, peer, data);
    }

    /// <summary>
    /// A datagram from a peer on a relay socket (RFC 8656 §10.3 / §12.5). The data sits in
    /// <paramref name="slot"/> at <paramref name="offset"/> with at least <see cref="PeerDataHeadroom"/>
    /// bytes free before it and 8 after, so the ChannelData or Data-indication header is written in
    /// place and nothing is copied.
    /// </summary>
    public void OnPeerPacket(int relayId, in StunAddress peer, Span<byte> slot, int offset, int length)
    {
        Allocation? allocation = (uint)relayId < (uint)_byRelay.Length ? _byRelay[relayId] : null;
        if (allocation is null
            || (!_options.ServerRelay && !allocation.HasPermission(peer, NowMs))
            || !allocation.ToClient.TryConsume(length, NowMs))
        {
            Counters.RelayDropped++;
            return;
        }

        Counters.RelayedToClient++;
        ushort channel = allocation.ChannelFor(peer, NowMs);
        if (channel != 0)
        {
            // ChannelData: 4-byte header; over TCP/TLS padded to a multiple of 4 (RFC 8656 §12.5).
            int start = offset - ChannelData.HeaderLength;
            BinaryPrimitives.WriteUInt16BigEndian(slot.Slice(start), channel);
            BinaryPrimitives.WriteUInt16BigEndian(slot.Slice(start + 2), (ushort)length);
            int total = ChannelData.HeaderLength + length;
            if (allocation.Client.IsStream)
            {
                int padded = Stun.Pad4(length);
                slot.Slice(offset + length, padded - length).Clear();
                total = ChannelData.HeaderLength + padded;
            }

            allocation.Traffic.ToClient(length, total);
            _io.SendToClient(allocation.Client, slot.Slice(start, total));
            return;
        }

        // Data indication: header, XOR-PEER-ADDRESS, DATA (RFC 8656 §10.3).
        int prefix = Stun.HeaderLength + Stun.AttributeHeaderLength + (peer.IsIPv4 ? 8 : 20) + Stun.AttributeHeaderLength;
        int begin = offset - prefix;
        Span<byte> transactionId = stackalloc byte[Stun.TransactionIdLength];
        BinaryPrimitives.WriteUInt32BigEndian(transactionId, ++_indicationCounter);
        BinaryPrimitives.WriteUInt64BigEndian(transactionId.Slice(4), (ulong)NowMs ^ 0x5475726e44617461);
        var w = new StunMessageWriter(slot.Slice(begin));
        w.WriteHeader(StunMethod.Data, StunClass.Indication, transactionId);
        w.AddXorAddress(StunAttributeType.XorPeerAddress, peer);
        w.TryReserveAttribute(StunAttributeType.Data, length, out _);
        if (_options.Stun.AlwaysFingerprint)
        {
            w.AddFingerprint();
        }

        if (!w.Overflowed)
        {
            allocation.Traffic.ToClient(length, w.Written.Length);
            _io.SendToClient(allocation.Client, w.Written);
        }
    }
}
