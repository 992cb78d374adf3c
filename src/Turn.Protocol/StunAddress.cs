using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Turn.Protocol;

/// <summary>
/// An IPv4 or IPv6 transport address (IP + port), stored inline so it can be read from and written to
/// the wire and to <see cref="SocketAddress"/> without allocating. The default value has
/// <see cref="AddressFamily.Unspecified"/> and means "no address".
/// </summary>
/// <remarks>
/// The IPv6 scope id is kept (it matters for sending to link-local peers) but never goes on the wire;
/// it takes part in equality like <see cref="IPAddress"/>'s does. Use <see cref="EqualsAddress"/>
/// to compare the IP bytes only.
/// </remarks>
[StructLayout(LayoutKind.Auto)]
public readonly struct StunAddress : IEquatable<StunAddress>
{
    // Address bytes in network order: IPv6 bytes 0..7 in _high, 8..15 in _low; IPv4 in the low 32 bits of _low.
    private readonly ulong _high;
    private readonly ulong _low;
    private readonly uint _scopeId;
    private readonly ushort _port;
    private readonly AddressFamily _family;

    private StunAddress(AddressFamily family, ulong high, ulong low, ushort port, uint scopeId)
    {
        _family = family;
        _high = high;
        _low = low;
        _port = port;
        _scopeId = scopeId;
    }

    /// <summary>Builds an address from 4 (IPv4) or 16 (IPv6) network-order bytes.</summary>
    /// <exception cref="ArgumentException">The span is neither 4 nor 16 bytes long.</exception>
    public StunAddress(ReadOnlySpan<byte> addressBytes, ushort port, uint scopeId = 0)
    {
        if (!TryCreate(addressBytes, port, scopeId, out this))
        {
            throw new ArgumentException("An IP address is 4 or 16 bytes.", nameof(addressBytes));
        }
    }

    /// <summary>Builds an address from 4 (IPv4) or 16 (IPv6) network-order bytes; false for any other length.</summary>
    public static bool TryCreate(ReadOnlySpan<byte> addressBytes, ushort port, uint scopeId, out StunAddress address)
    {
        switch (addressBytes.Length)
        {
            case 4:
                address = new StunAddress(AddressFamily.InterNetwork, 0, BinaryPrimitives.ReadUInt32BigEndian(addressBytes), port, 0);
                return true;
            case 16:
                address = new StunAddress(
                    AddressFamily.InterNetworkV6,
                    BinaryPrimitives.ReadUInt64BigEndian(addressBytes),
                    BinaryPrimitives.ReadUInt64BigEndian(addressBytes.Slice(8)),
                    port,
                    scopeId);
                return true;
            default:
                address = default;
                return false;
        }
    }

    /// <summary>IPv4 address from its 32-bit big-endian value (e.g. 0xC0000201 for 192.0.2.1).</summary>
    public static StunAddress FromIPv4(uint address, ushort port) => new(AddressFamily.InterNetwork, 0, address, port, 0);

    /// <summary><see cref="AddressFamily.InterNetwork"/>, <see cref="AddressFamily.InterNetworkV6"/>, or Unspecified for default.</summary>
    public AddressFamily Family => _family;

    /// <summary>The port.</summary>
    public ushort Port => _port;

    /// <summary>IPv6 scope id (0 for IPv4 or global addresses).</summary>
    public uint ScopeId => _scopeId;

    /// <summary>True for an IPv4 address.</summary>
    public bool IsIPv4 => _family == AddressFamily.InterNetwork;

    /// <summary>True for an IPv6 address.</summary>
    public bool IsIPv6 => _family == AddressFamily.InterNetworkV6;

    /// <summary>True for the default value (no address).</summary>
    public bool IsEmpty => _family == AddressFamily.Unspecified;

    /// <summary>Number of address bytes: 4, 16, or 0 for the default value.</summary>
    public int AddressLength => _family switch
    {
        AddressFamily.InterNetwork => 4,
        AddressFamily.InterNetworkV6 => 16,
        _ => 0,
    };

    /// <summary>The wire family code (RFC 8489 §14.1): 0x01 or 0x02; 0 for the default value.</summary>
    public StunAddressFamily WireFamily => _family switch
    {
        AddressFamily.InterNetwork => StunAddressFamily.IPv4,
        AddressFamily.InterNetworkV6 => StunAddressFamily.IPv6,
        _ => 0,
    };

    /// <summary>True for an IPv6 address of the form ::ffff:a.b.c.d (dual-mode sockets report IPv4 peers so).</summary>
    public bool IsIPv4MappedToIPv6 => IsIPv6 && _high == 0 && (_low >> 32) == 0xFFFF;

    /// <summary>The IPv4 value (big-endian as a number), or 0 if this is not IPv4.</summary>
    public uint IPv4Value => IsIPv4 ? (uint)_low : 0;

    /// <summary>Writes the 4 or 16 address bytes in network order; returns the count, or 0 if the span is too small.</summary>
    public int WriteAddressBytes(Span<byte> destination)
    {
        switch (_family)
        {
            case AddressFamily.InterNetwork when destination.Length >= 4:
                BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)_low);
                return 4;
            case AddressFamily.InterNetworkV6 when destination.Length >= 16:
                BinaryPrimitives.WriteUInt64BigEndian(destination, _high);
                BinaryPrimitives.WriteUInt64BigEndian(destination.Slice(8), _low);
                return 16;
            default:
                return 0;
        }
    }

    /// <summary>Same address with another port.</summary>
    public StunAddress WithPort(ushort port) => new(_family, _high, _low, port, _scopeId);

    /// <summary>An IPv4-mapped IPv6 address turned back into IPv4; any other address unchanged.</summary>
    public StunAddress Unmapped() => IsIPv4MappedToIPv6
        ? new StunAddress(AddressFamily.InterNetwork, 0, (uint)_low, _port, 0)
        : this;

    /// <summary>An IPv4 address as ::ffff:a.b.c.d; any other address unchanged.</summary>
    public StunAddress MapToIPv6() => IsIPv4
        ? new StunAddress(AddressFamily.InterNetworkV6, 0, 0xFFFF_0000_0000UL | (uint)_low, _port, 0)
        : this;

    /// <summary>True if both have the same family and IP bytes (port and scope id ignored).</summary>
    public bool EqualsAddress(in StunAddress other) => _family == other._family && _high == other._high && _low == other._low;

    /// <summary>A hash of the family and IP bytes only, consistent with <see cref="EqualsAddress"/>.</summary>
    public int GetAddressHashCode() => HashCode.Combine(_family, _high, _low);

    /// <inheritdoc/>
    public bool Equals(StunAddress other)
        => _family == other._family && _high == other._high && _low == other._low && _port == other._port && _scopeId == other._scopeId;

    /// <inheritdoc/>
    public override bool Equals([NotNullWhen(true)] object? obj) => obj is StunAddress other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(_family, _high, _low, _port, _scopeId);

    /// <summary>Equality.</summary>
    public static bool operator ==(StunAddress left, StunAddress right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(StunAddress left, StunAddress right) => !left.Equals(right);

    // ---------------- conversions ----------------

    /// <summary>From an <see cref="IPEndPoint"/> (IPv4 or IPv6; mapped addresses are kept as IPv6).</summary>
    /// <exception cref="ArgumentException">The endpoint is neither IPv4 nor IPv6.</exception>
    public static StunAddress FromIPEndPoint(IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        return FromIPAddress(endPoint.Address, (ushort)endPoint.Port);
    }

    /// <summary>From an <see cref="IPAddress"/> and a port.</summary>
    /// <exception cref="ArgumentException">The address is neither IPv4 nor IPv6.</exception>
    public static StunAddress FromIPAddress(IPAddress address, ushort port)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out int written) || (written != 4 && written != 16))
        {
            throw new ArgumentException("Only IPv4 and IPv6 addresses are supported.", nameof(address));
        }

        uint scope = written == 16 ? (uint)address.ScopeId : 0;
        return new StunAddress(bytes.Slice(0, written), port, scope);
    }

    /// <summary>To a new <see cref="IPAddress"/> (allocates).</summary>
    /// <exception cref="InvalidOperationException">This is the default (empty) value.</exception>
    public IPAddress ToIPAddress()
    {
        Span<byte> bytes = stackalloc byte[16];
        return _family switch
        {
            AddressFamily.InterNetwork => new IPAddress(bytes.Slice(0, WriteAddressBytes(bytes))),
            AddressFamily.InterNetworkV6 => new IPAddress(bytes.Slice(0, WriteAddressBytes(bytes)), _scopeId),
            _ => throw new InvalidOperationException("The address is empty."),
        };
    }

    /// <summary>To a new <see cref="IPEndPoint"/> (allocates).</summary>
    public IPEndPoint ToIPEndPoint() => new(ToIPAddress(), _port);

    // sockaddr_in:  family(2) port(2) addr(4) zero(8)                 = 16 bytes
    // sockaddr_in6: family(2) port(2) flowinfo(4) addr(16) scope_id(4) = 28 bytes
    // The family bytes are platform specific (SocketAddress.Family reads them); port, address and
    // scope sit at the same offsets on every platform .NET runs on. The scope id is in host order.
    private const int SockaddrIn4Size = 16;
    private const int SockaddrIn6Size = 28;

    /// <summary>From a <see cref="SocketAddress"/> filled by <c>Socket.ReceiveFrom</c>; no allocation.</summary>
    public static bool TryFromSocketAddress(SocketAddress socketAddress, out StunAddress address)
    {
        address = default;
        if (socketAddress is null)
        {
            return false;
        }

        ReadOnlySpan<byte> buffer = socketAddress.Buffer.Span.Slice(0, Math.Min(socketAddress.Size, socketAddress.Buffer.Length));
        switch (socketAddress.Family)
        {
            case AddressFamily.InterNetwork when buffer.Length >= 8:
                address = new StunAddress(
                    AddressFamily.InterNetwork, 0, BinaryPrimitives.ReadUInt32BigEndian(buffer.Slice(4)),
                    BinaryPrimitives.ReadUInt16BigEndian(buffer.Slice(2)), 0);
                return true;
            case AddressFamily.InterNetworkV6 when buffer.Length >= 24:
                uint scope = buffer.Length >= SockaddrIn6Size ? MemoryMarshal.Read<uint>(buffer.Slice(24, 4)) : 0;
                address = new StunAddress(
                    AddressFamily.InterNetworkV6,
                    BinaryPrimitives.ReadUInt64BigEndian(buffer.Slice(8)),
                    BinaryPrimitives.ReadUInt64BigEndian(buffer.Slice(16)),
                    BinaryPrimitives.ReadUInt16BigEndian(buffer.Slice(2)),
                    scope);
                return true;
            default:
                return false;
        }
    }

    /// <summary>From a <see cref="SocketAddress"/>; no allocation.</summary>
    /// <exception cref="ArgumentException">The socket address is not IPv4/IPv6.</exception>
    public static StunAddress FromSocketAddress(SocketAddress socketAddress)
    {
        ArgumentNullException.ThrowIfNull(socketAddress);
        return TryFromSocketAddress(socketAddress, out StunAddress address)
            ? address
            : throw new ArgumentException("Only IPv4 and IPv6 socket addresses are supported.", nameof(socketAddress));
    }

    /// <summary>
    /// Writes this address into an existing <see cref="SocketAddress"/> (for <c>Socket.SendTo</c>) without
    /// allocating and sets its Size. An IPv4 address is written as ::ffff:a.b.c.d into an IPv6 socket address
    /// (dual-mode sockets) and a mapped IPv6 address as IPv4 into an IPv4 one. False if the families cannot
    /// be reconciled or the buffer is too small.
    /// </summary>
    public bool TryWriteTo(SocketAddress socketAddress)
    {
        if (socketAddress is null || IsEmpty)
        {
            return false;
        }

        Span<byte> buffer = socketAddress.Buffer.Span;
        switch (socketAddress.Family)
        {
            case AddressFamily.InterNetwork:
            {
                StunAddress v4 = Unmapped();
                if (!v4.IsIPv4 || buffer.Length < SockaddrIn4Size)
                {
                    return false;
                }

                BinaryPrimitives.WriteUInt16BigEndian(buffer.Slice(2), v4._port);
                BinaryPrimitives.WriteUInt32BigEndian(buffer.Slice(4), (uint)v4._low);
                buffer.Slice(8, 8).Clear();
                socketAddress.Size = SockaddrIn4Size;
                return true;
            }

            case AddressFamily.InterNetworkV6:
            {
                StunAddress v6 = MapToIPv6();
                if (buffer.Length < SockaddrIn6Size)
                {
                    return false;
                }

                BinaryPrimitives.WriteUInt16BigEndian(buffer.Slice(2), v6._port);
                buffer.Slice(4, 4).Clear(); // flowinfo
                BinaryPrimitives.WriteUInt64BigEndian(buffer.Slice(8), v6._high);
                BinaryPrimitives.WriteUInt64BigEndian(buffer.Slice(16), v6._low);
                uint scope = v6._scopeId;
                MemoryMarshal.Write(buffer.Slice(24, 4), in scope);
                socketAddress.Size = SockaddrIn6Size;
                return true;
            }

            default:
                return false;
        }
    }

    /// <summary>A new <see cref="SocketAddress"/> of this address's own family (allocates).</summary>
    public SocketAddress ToSocketAddress()
    {
        var socketAddress = new SocketAddress(IsIPv4 ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6);
        TryWriteTo(socketAddress);
        return socketAddress;
    }

    /// <summary>Parses "1.2.3.4:5" or "[::1]:5".</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out StunAddress address)
    {
        address = default;
        if (text is null || !IPEndPoint.TryParse(text, out IPEndPoint? endPoint))
        {
            return false;
        }

        if (endPoint.Address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            return false;
        }

        address = FromIPEndPoint(endPoint);
        return true;
    }

    /// <summary>Parses "1.2.3.4:5" or "[::1]:5".</summary>
    /// <exception cref="FormatException">Not an IP endpoint.</exception>
    public static StunAddress Parse(string text)
        => TryParse(text, out StunAddress address) ? address : throw new FormatException("Not an IP endpoint: " + text);

    /// <summary>"1.2.3.4:5", "[::1]:5", or "" for the default value.</summary>
    public override string ToString()
    {
        switch (_family)
        {
            case AddressFamily.InterNetwork:
                uint v = (uint)_low;
                return string.Create(CultureInfo.InvariantCulture, $"{v >> 24}.{(v >> 16) & 0xFF}.{(v >> 8) & 0xFF}.{v & 0xFF}:{_port}");
            case AddressFamily.InterNetworkV6:
                return string.Create(CultureInfo.InvariantCulture, $"[{ToIPAddress()}]:{_port}");
            default:
                return string.Empty;
        }
    }
}
