using System.Buffers.Binary;

namespace Turn.Bench;

/// <summary>
/// Just enough STUN for a load generator: a Binding request is a bare 20-byte header
/// (RFC 8489 §5: type 0x0001, length 0, magic cookie, 96-bit transaction id).
/// The transaction id carries a per-run nonce, the slot number and the slot's generation.
/// </summary>
internal static class StunWire
{
    public const int HeaderLength = 20;
    public const uint MagicCookie = 0x2112A442;
    public const ushort BindingRequest = 0x0001;
    public const ushort BindingSuccess = 0x0101;
    public const ushort BindingError = 0x0111;

    public static void WriteRequest(Span<byte> dest, uint nonce, uint slot, uint generation)
    {
        BinaryPrimitives.WriteUInt16BigEndian(dest, BindingRequest);
        BinaryPrimitives.WriteUInt16BigEndian(dest[2..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(dest[4..], MagicCookie);
        BinaryPrimitives.WriteUInt32LittleEndian(dest[8..], nonce);
        BinaryPrimitives.WriteUInt32LittleEndian(dest[12..], slot);
        BinaryPrimitives.WriteUInt32LittleEndian(dest[16..], generation);
    }

    public enum Kind { NotOurs, Success, Error }

    /// <summary>Classifies a datagram as a Binding response to one of our requests and extracts slot/generation.</summary>
    public static Kind Classify(ReadOnlySpan<byte> packet, uint nonce, out uint slot, out uint generation)
    {
        slot = generation = 0;
        if (packet.Length < HeaderLength) return Kind.NotOurs;
        ushort type = BinaryPrimitives.ReadUInt16BigEndian(packet);
        if (BinaryPrimitives.ReadUInt32BigEndian(packet[4..]) != MagicCookie) return Kind.NotOurs;
        if (BinaryPrimitives.ReadUInt32LittleEndian(packet[8..]) != nonce) return Kind.NotOurs;
        slot = BinaryPrimitives.ReadUInt32LittleEndian(packet[12..]);
        generation = BinaryPrimitives.ReadUInt32LittleEndian(packet[16..]);
        return type switch
        {
            BindingSuccess => Kind.Success,
            BindingError => Kind.Error,
            _ => Kind.NotOurs,
        };
    }
}
