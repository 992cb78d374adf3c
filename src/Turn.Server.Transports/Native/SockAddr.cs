using System.Buffers.Binary;
using Turn.Protocol;

namespace Turn.Server.Transports.Native;

/// <summary>Converts between <see cref="StunAddress"/> and Linux sockaddr_in / sockaddr_in6 bytes.</summary>
internal static unsafe class SockAddr
{
    /// <summary>sizeof(struct sockaddr_in6): room for either family.</summary>
    public const int MaxLength = 28;

    /// <summary>Writes <paramref name="address"/> as a sockaddr; returns its length (16 or 28), 0 if unspecified.</summary>
    public static uint Write(in StunAddress address, byte* destination)
    {
        var span = new Span<byte>(destination, MaxLength);
        span.Clear();
        if (address.IsIPv4)
        {
            *(ushort*)destination = Libc.AF_INET;
            BinaryPrimitives.WriteUInt16BigEndian(span.Slice(2), address.Port);
            BinaryPrimitives.WriteUInt32BigEndian(span.Slice(4), address.IPv4Value);
            return 16;
        }

        if (address.IsIPv6)
        {
            *(ushort*)destination = Libc.AF_INET6;
            BinaryPrimitives.WriteUInt16BigEndian(span.Slice(2), address.Port);
            address.WriteAddressBytes(span.Slice(8, 16));
            *(uint*)(destination + 24) = address.ScopeId;
            return 28;
        }

        return 0;
    }

    /// <summary>Reads a sockaddr written by the kernel; false for other families.</summary>
    public static bool TryRead(byte* source, uint length, out StunAddress address)
    {
        ushort family = *(ushort*)source;
        var span = new ReadOnlySpan<byte>(source, (int)Math.Min(length, MaxLength));
        if (family == Libc.AF_INET && length >= 16)
        {
            address = StunAddress.FromIPv4(BinaryPrimitives.ReadUInt32BigEndian(span.Slice(4)), BinaryPrimitives.ReadUInt16BigEndian(span.Slice(2)));
            return true;
        }

        if (family == Libc.AF_INET6 && length >= 28)
        {
            return StunAddress.TryCreate(span.Slice(8, 16), BinaryPrimitives.ReadUInt16BigEndian(span.Slice(2)), *(uint*)(source + 24), out address);
        }

        address = default;
        return false;
    }
}
