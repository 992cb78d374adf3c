using System.Buffers.Binary;

namespace Turn.Protocol;

public ref partial struct StunMessageWriter
{
    /// <summary>
    /// Appends a plain address attribute (MAPPED-ADDRESS, ALTERNATE-SERVER, RESPONSE-ORIGIN, OTHER-ADDRESS,
    /// RFC 3489 SOURCE-ADDRESS / CHANGED-ADDRESS): <c>0x00 | Family | Port | Address</c> (RFC 8489 §14.1).
    /// </summary>
    /// <exception cref="ArgumentException">The address is empty.</exception>
    public void AddAddress(StunAttributeType type, in StunAddress address) => WriteAddress((ushort)type, address, xor: false);

    /// <summary>
    /// Appends an XOR'ed address attribute (XOR-MAPPED-ADDRESS, XOR-PEER-ADDRESS, XOR-RELAYED-ADDRESS) using
    /// the transaction id already in the header (RFC 8489 §14.2).
    /// </summary>
    /// <exception cref="ArgumentException">The address is empty.</exception>
    public void AddXorAddress(StunAttributeType type, in StunAddress address) => WriteAddress((ushort)type, address, xor: true);

    private void WriteAddress(ushort type, in StunAddress address, bool xor)
    {
        int addressLength = address.AddressLength;
        if (addressLength == 0)
        {
            throw new ArgumentException("The address is empty.", nameof(address));
        }

        if (!TryReserve(type, 4 + addressLength, out Span<byte> value))
        {
            return;
        }

        value[0] = 0;
        value[1] = (byte)address.WireFamily;
        ushort port = address.Port;
        Span<byte> bytes = stackalloc byte[16];
        address.WriteAddressBytes(bytes);
        if (xor)
        {
            port ^= (ushort)(Stun.MagicCookie >> 16);
            StunAttributeReader.XorAddressBytes(bytes.Slice(0, addressLength), _buffer.Slice(8, Stun.TransactionIdLength), value.Slice(4));
        }
        else
        {
            bytes.Slice(0, addressLength).CopyTo(value.Slice(4));
        }

        BinaryPrimitives.WriteUInt16BigEndian(value.Slice(2, 2), port);
    }
}
