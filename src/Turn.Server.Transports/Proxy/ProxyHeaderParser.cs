using System.Buffers.Binary;
using Turn.Protocol;

namespace Turn.Server.Transports.Proxy;

/// <summary>
/// Reads the binary header (version 2) of HAProxy's PROXY protocol, which a TCP load balancer sends
/// first on each connection it forwards (proxy-protocol.txt §2.2). Pure and bounds-checked: it reads
/// only the span it is given and tells how many bytes it still needs, so the caller can read exactly
/// the header off the socket and leave what follows (the client's STUN/TURN stream) unread.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |          signature: 0D 0A 0D 0A 00 0D 0A 51 55 49 54 0A       |
/// |                          (12 bytes)                           |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |version|command|family | proto |        length (of the rest)   |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | addresses: IPv4 src, dst (4+4), src port, dst port (2+2) = 12 |
/// |         or IPv6 src, dst (16+16), ports (2+2) = 36            |
/// |         or UNIX src, dst paths (108+108) = 216                |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | TLVs to the end: type (1), length (2), value (length)         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// Version 1 (the text form, "PROXY TCP4 …") is not accepted: coturn's --tcp-proxy-port speaks the
/// binary form only.
/// </summary>
public static class ProxyHeaderParser
{
    /// <summary>Signature, version/command, family/protocol and length.</summary>
    public const int FixedLength = 16;

    /// <summary>
    /// The largest address-and-TLV block accepted. The spec bounds it only by its 16-bit length; load
    /// balancers send a few dozen bytes of TLVs, so anything near this is not one of them.
    /// </summary>
    public const int MaxBlockLength = 4096;

    private const int SignatureLength = 12;
    private const int Inet4Block = 12;
    private const int Inet6Block = 36;
    private const int UnixBlock = 216;
    private const int TlvHeader = 3;

    private static ReadOnlySpan<byte> Signature => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    /// <summary>
    /// Parses the start of a connection's bytes.
    /// </summary>
    /// <param name="data">What has been received so far (may hold more than the header).</param>
    /// <param name="header">The header, when <see cref="ProxyParseStatus.Ok"/>.</param>
    /// <param name="length">Ok: the header's length. NeedMore: the bytes needed before parsing can go on. Invalid: 0.</param>
    /// <param name="error">Why, when <see cref="ProxyParseStatus.Invalid"/>.</param>
    public static ProxyParseStatus TryParse(ReadOnlySpan<byte> data, out ProxyHeader header, out int length, out string? error)
    {
        header = default;
        length = 0;
        error = null;

        // A connection that does not start with the signature is refused at its first differing byte.
        int compared = Math.Min(data.Length, SignatureLength);
        if (!data[..compared].SequenceEqual(Signature[..compared]))
        {
            error = compared >= 5 && data[..5].SequenceEqual("PROXY"u8)
                ? "PROXY protocol version 1 (text) header; only version 2 (binary) is accepted"
                : "no PROXY protocol v2 signature";
            return ProxyParseStatus.Invalid;
        }

        if (data.Length < FixedLength)
        {
            length = FixedLength;
            return ProxyParseStatus.NeedMore;
        }

        int version = data[12] >> 4;
        int command = data[12] & 0x0F;
        if (version != 2)
        {
            error = $"PROXY protocol version {version}; only 2 is accepted";
            return ProxyParseStatus.Invalid;
        }

        if (command > (int)ProxyCommand.Proxy)
        {
            error = $"unknown PROXY protocol command {command}";
            return ProxyParseStatus.Invalid;
        }

        var family = (ProxyFamily)(data[13] >> 4);
        var transport = (ProxyTransport)(data[13] & 0x0F);
        int blockLength = BinaryPrimitives.ReadUInt16BigEndian(data.Slice(14, 2));
        if (blockLength > MaxBlockLength)
        {
            error = $"PROXY header of {FixedLength + blockLength} bytes; at most {FixedLength + MaxBlockLength} are accepted";
            return ProxyParseStatus.Invalid;
        }

        int total = FixedLength + blockLength;
        if (data.Length < total)
        {
            length = total;
            return ProxyParseStatus.NeedMore;
        }

        ReadOnlySpan<byte> block = data.Slice(FixedLength, blockLength);
        if ((ProxyCommand)command == ProxyCommand.Local)
        {
            // §2.2: the receiver uses the real connection endpoints and skips the block, family included.
            header = new ProxyHeader(ProxyCommand.Local, family, transport, default, default, 0);
            length = total;
            return ProxyParseStatus.Ok;
        }

        int addressLength = family switch
        {
            ProxyFamily.Inet => Inet4Block,
            ProxyFamily.Inet6 => Inet6Block,
            ProxyFamily.Unix => UnixBlock,
            ProxyFamily.Unspecified => 0,
            _ => -1,
        };
        if (addressLength < 0 || transport > ProxyTransport.Datagram)
        {
            error = $"unknown PROXY address family/protocol byte 0x{data[13]:X2}";
            return ProxyParseStatus.Invalid;
        }

        if (blockLength < addressLength)
        {
            error = $"PROXY header too short for its addresses ({blockLength} < {addressLength} bytes)";
            return ProxyParseStatus.Invalid;
        }

        StunAddress source = default;
        StunAddress destination = default;
        if (family is ProxyFamily.Inet or ProxyFamily.Inet6)
        {
            int ipLength = family == ProxyFamily.Inet ? 4 : 16;
            ushort sourcePort = BinaryPrimitives.ReadUInt16BigEndian(block.Slice(2 * ipLength, 2));
            ushort destinationPort = BinaryPrimitives.ReadUInt16BigEndian(block.Slice((2 * ipLength) + 2, 2));
            source = new StunAddress(block[..ipLength], sourcePort).Unmapped();
            destination = new StunAddress(block.Slice(ipLength, ipLength), destinationPort).Unmapped();
        }

        // §2.2.7: the rest is TLVs; each must fit, or the header is broken.
        ReadOnlySpan<byte> tlvs = block[addressLength..];
        int tlvCount = 0;
        while (!tlvs.IsEmpty)
        {
            if (tlvs.Length < TlvHeader)
            {
                error = $"PROXY header ends inside a TLV header ({tlvs.Length} bytes left)";
                return ProxyParseStatus.Invalid;
            }

            int valueLength = BinaryPrimitives.ReadUInt16BigEndian(tlvs.Slice(1, 2));
            if (tlvs.Length - TlvHeader < valueLength)
            {
                error = $"PROXY TLV 0x{tlvs[0]:X2} of {valueLength} bytes overruns the header";
                return ProxyParseStatus.Invalid;
            }

            tlvs = tlvs[(TlvHeader + valueLength)..];
            tlvCount++;
        }

        header = new ProxyHeader(ProxyCommand.Proxy, family, transport, source, destination, tlvCount);
        length = total;
        return ProxyParseStatus.Ok;
    }
}
