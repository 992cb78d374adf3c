using System.Buffers.Binary;

namespace Turn.Protocol;

public ref partial struct StunMessageWriter
{
    /// <summary>Appends a 4-byte big-endian value (LIFETIME, PRIORITY, CONNECTION-ID, ...).</summary>
    public void AddUInt32(StunAttributeType type, uint number)
    {
        if (TryReserve((ushort)type, 4, out Span<byte> value))
        {
            BinaryPrimitives.WriteUInt32BigEndian(value, number);
        }
    }

    /// <summary>Appends an 8-byte big-endian value (ICE-CONTROLLED, ICE-CONTROLLING, RESERVATION-TOKEN).</summary>
    public void AddUInt64(StunAttributeType type, ulong number)
    {
        if (TryReserve((ushort)type, 8, out Span<byte> value))
        {
            BinaryPrimitives.WriteUInt64BigEndian(value, number);
        }
    }

    /// <summary>LIFETIME (RFC 8656 §18.2), seconds.</summary>
    public void AddLifetime(uint seconds) => AddUInt32(StunAttributeType.Lifetime, seconds);

    /// <summary>CONNECTION-ID (RFC 6062 §6.2.1).</summary>
    public void AddConnectionId(uint connectionId) => AddUInt32(StunAttributeType.ConnectionId, connectionId);

    /// <summary>PRIORITY (RFC 8445 §16.1).</summary>
    public void AddPriority(uint priority) => AddUInt32(StunAttributeType.Priority, priority);

    /// <summary>CHANNEL-NUMBER (RFC 8656 §18.1): number + 16 zero RFFU bits.</summary>
    public void AddChannelNumber(ushort channel) => AddWordThenZeros(StunAttributeType.ChannelNumber, channel);

    /// <summary>RESPONSE-PORT (RFC 5780 §7.5): port + 16 zero bits.</summary>
    public void AddResponsePort(ushort port) => AddWordThenZeros(StunAttributeType.ResponsePort, port);

    /// <summary>REQUESTED-TRANSPORT (RFC 8656 §18.8): protocol byte + 24 zero RFFU bits (17 = UDP, 6 = TCP).</summary>
    public void AddRequestedTransport(byte protocol) => AddByteThenZeros(StunAttributeType.RequestedTransport, protocol);

    /// <summary>REQUESTED-ADDRESS-FAMILY (RFC 8656 §18.6): family byte + 24 reserved zero bits.</summary>
    public void AddRequestedAddressFamily(StunAddressFamily family) => AddByteThenZeros(StunAttributeType.RequestedAddressFamily, (byte)family);

    /// <summary>ADDITIONAL-ADDRESS-FAMILY (RFC 8656 §18.11): same layout; 0x02 is the only valid value.</summary>
    public void AddAdditionalAddressFamily(StunAddressFamily family) => AddByteThenZeros(StunAttributeType.AdditionalAddressFamily, (byte)family);

    /// <summary>EVEN-PORT (RFC 8656 §18.7): one byte, R bit = 0x80; padded to 4.</summary>
    public void AddEvenPort(bool reserveNextPort)
    {
        if (TryReserve((ushort)StunAttributeType.EvenPort, 1, out Span<byte> value))
        {
            value[0] = reserveNextPort ? (byte)0x80 : (byte)0;
        }
    }

    /// <summary>RESERVATION-TOKEN (RFC 8656 §18.10) from its 8 bytes.</summary>
    /// <exception cref="ArgumentException">The token is not 8 bytes.</exception>
    public void AddReservationToken(scoped ReadOnlySpan<byte> token)
    {
        if (token.Length != Stun.ReservationTokenLength)
        {
            throw new ArgumentException("A reservation token is 8 bytes.", nameof(token));
        }

        AddAttribute(StunAttributeType.ReservationToken, token);
    }

    /// <summary>RESERVATION-TOKEN (RFC 8656 §18.10) from a number (big-endian on the wire).</summary>
    public void AddReservationToken(ulong token) => AddUInt64(StunAttributeType.ReservationToken, token);

    /// <summary>DONT-FRAGMENT (RFC 8656 §18.9): no value.</summary>
    public void AddDontFragment() => AddEmpty(StunAttributeType.DontFragment);

    /// <summary>USE-CANDIDATE (RFC 8445 §16.1): no value.</summary>
    public void AddUseCandidate() => AddEmpty(StunAttributeType.UseCandidate);

    /// <summary>ICE-CONTROLLED (RFC 8445 §16.1): 64-bit tie-breaker.</summary>
    public void AddIceControlled(ulong tieBreaker) => AddUInt64(StunAttributeType.IceControlled, tieBreaker);

    /// <summary>ICE-CONTROLLING (RFC 8445 §16.1): 64-bit tie-breaker.</summary>
    public void AddIceControlling(ulong tieBreaker) => AddUInt64(StunAttributeType.IceControlling, tieBreaker);

    /// <summary>DATA (RFC 8656 §18.4).</summary>
    public void AddData(scoped ReadOnlySpan<byte> data) => AddAttribute(StunAttributeType.Data, data);

    /// <summary>MOBILITY-TICKET (RFC 8016 §3.3): opaque; empty in an Allocate request to ask for mobility.</summary>
    public void AddMobilityTicket(scoped ReadOnlySpan<byte> ticket) => AddAttribute(StunAttributeType.MobilityTicket, ticket);

    /// <summary>ACCESS-TOKEN (RFC 7635 §6.2): the whole token as built by <see cref="OAuthAccessToken.TryWriteToken"/>.</summary>
    public void AddAccessToken(scoped ReadOnlySpan<byte> token) => AddAttribute(StunAttributeType.AccessToken, token);

    /// <summary>CHANGE-REQUEST (RFC 5780 §7.2): A (0x04) = change IP, B (0x02) = change port.</summary>
    public void AddChangeRequest(bool changeIp, bool changePort)
    {
        uint flags = (changeIp ? 0x04u : 0) | (changePort ? 0x02u : 0);
        AddUInt32(StunAttributeType.ChangeRequest, flags);
    }

    /// <summary>PADDING (RFC 5780 §7.6): <paramref name="length"/> zero bytes.</summary>
    public void AddPadding(int length)
    {
        if (TryReserve((ushort)StunAttributeType.Padding, length, out Span<byte> value))
        {
            value.Clear();
        }
    }

    /// <summary>ICMP (RFC 8656 §18.13): 16 reserved bits, type, code, 32-bit error data.</summary>
    public void AddIcmp(byte icmpType, byte icmpCode, uint errorData)
    {
        if (TryReserve((ushort)StunAttributeType.Icmp, 8, out Span<byte> value))
        {
            value[0] = 0;
            value[1] = 0;
            value[2] = icmpType;
            value[3] = icmpCode;
            BinaryPrimitives.WriteUInt32BigEndian(value.Slice(4), errorData);
        }
    }

    /// <summary>USERHASH (RFC 8489 §14.4): 32 bytes.</summary>
    /// <exception cref="ArgumentException">The hash is not 32 bytes.</exception>
    public void AddUserHash(scoped ReadOnlySpan<byte> userHash)
    {
        if (userHash.Length != Stun.UserHashLength)
        {
            throw new ArgumentException("USERHASH is 32 bytes.", nameof(userHash));
        }

        AddAttribute(StunAttributeType.UserHash, userHash);
    }

    /// <summary>PASSWORD-ALGORITHM (RFC 8489 §14.12): algorithm, parameters length, padded parameters.</summary>
    public void AddPasswordAlgorithm(StunPasswordAlgorithm algorithm, scoped ReadOnlySpan<byte> parameters = default)
    {
        if (TryReserve((ushort)StunAttributeType.PasswordAlgorithm, 4 + Stun.Pad4(parameters.Length), out Span<byte> value))
        {
            WriteAlgorithmEntry(value, algorithm, parameters);
        }
    }

    /// <summary>PASSWORD-ALGORITHMS (RFC 8489 §14.11) listing algorithms without parameters (MD5, SHA-256).</summary>
    public void AddPasswordAlgorithms(scoped ReadOnlySpan<StunPasswordAlgorithm> algorithms)
    {
        if (TryReserve((ushort)StunAttributeType.PasswordAlgorithms, 4 * algorithms.Length, out Span<byte> value))
        {
            for (int i = 0; i < algorithms.Length; i++)
            {
                WriteAlgorithmEntry(value.Slice(4 * i, 4), algorithms[i], ReadOnlySpan<byte>.Empty);
            }
        }
    }

    private static void WriteAlgorithmEntry(Span<byte> destination, StunPasswordAlgorithm algorithm, scoped ReadOnlySpan<byte> parameters)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)algorithm);
        BinaryPrimitives.WriteUInt16BigEndian(destination.Slice(2, 2), (ushort)parameters.Length);
        parameters.CopyTo(destination.Slice(4));
        destination.Slice(4 + parameters.Length, Stun.Pad4(parameters.Length) - parameters.Length).Clear();
    }

    private void AddWordThenZeros(StunAttributeType type, ushort word)
    {
        if (TryReserve((ushort)type, 4, out Span<byte> value))
        {
            BinaryPrimitives.WriteUInt16BigEndian(value, word);
            value[2] = 0;
            value[3] = 0;
        }
    }

    private void AddByteThenZeros(StunAttributeType type, byte first)
    {
        if (TryReserve((ushort)type, 4, out Span<byte> value))
        {
            value[0] = first;
            value[1] = 0;
            value[2] = 0;
            value[3] = 0;
        }
    }
}
