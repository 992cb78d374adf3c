using System.Buffers.Binary;

namespace Turn.Protocol;

public ref partial struct StunMessage
{
    /// <summary>
    /// Finds the first attribute of the given type that counts under RFC 8489 §14.5–§14.7 (attributes
    /// after MESSAGE-INTEGRITY other than MI-SHA256/FINGERPRINT are ignored; RFC 8489 §14: "only the first
    /// occurrence needs to be processed").
    /// </summary>
    public readonly bool TryGetAttribute(StunAttributeType type, out ReadOnlySpan<byte> value) => TryGetAttribute((ushort)type, out value);

    /// <inheritdoc cref="TryGetAttribute(StunAttributeType, out ReadOnlySpan{byte})"/>
    public readonly bool TryGetAttribute(ushort type, out ReadOnlySpan<byte> value)
    {
        value = default;
        if (!IsValid)
        {
            return false;
        }

        switch (type)
        {
            case (ushort)StunAttributeType.MessageIntegrity:
                return TryGetValueAt(_messageIntegrityOffset, out value);
            case (ushort)StunAttributeType.MessageIntegritySha256:
                return TryGetValueAt(_messageIntegritySha256Offset, out value);
            case (ushort)StunAttributeType.Fingerprint:
                return TryGetValueAt(_fingerprintOffset, out value);
        }

        int offset = Stun.HeaderLength;
        while (offset + Stun.AttributeHeaderLength <= _visibleEnd)
        {
            ushort t = BinaryPrimitives.ReadUInt16BigEndian(_raw.Slice(offset, 2));
            int length = BinaryPrimitives.ReadUInt16BigEndian(_raw.Slice(offset + 2, 2));
            int valueStart = offset + Stun.AttributeHeaderLength;
            if (valueStart + length > _visibleEnd)
            {
                return false; // cannot happen after TryParse, kept as a guard
            }

            if (t == type)
            {
                value = _raw.Slice(valueStart, length);
                return true;
            }

            offset = valueStart + Stun.Pad4(length);
        }

        return false;
    }

    /// <summary>True if the attribute is present (and counts).</summary>
    public readonly bool HasAttribute(StunAttributeType type) => TryGetAttribute((ushort)type, out _);

    /// <summary>
    /// Copies the unknown comprehension-required attribute types (each once, in order of appearance) into
    /// <paramref name="destination"/> for an UNKNOWN-ATTRIBUTES attribute in a 420 response. Returns how many
    /// were copied (at most destination.Length).
    /// </summary>
    public readonly int CopyUnknownComprehensionRequired(Span<ushort> destination)
    {
        if (!HasUnknownComprehensionRequired)
        {
            return 0;
        }

        int count = 0;
        int offset = Stun.HeaderLength;
        while (offset + Stun.AttributeHeaderLength <= _visibleEnd && count < destination.Length)
        {
            ushort t = BinaryPrimitives.ReadUInt16BigEndian(_raw.Slice(offset, 2));
            int length = BinaryPrimitives.ReadUInt16BigEndian(_raw.Slice(offset + 2, 2));
            if (StunAttributeTypes.IsUnknownComprehensionRequired(t) && destination.Slice(0, count).IndexOf(t) < 0)
            {
                destination[count++] = t;
            }

            offset += Stun.AttributeHeaderLength + Stun.Pad4(length);
        }

        return count;
    }

    /// <summary>Reads a plain address attribute (MAPPED-ADDRESS, ALTERNATE-SERVER, RESPONSE-ORIGIN, OTHER-ADDRESS...).</summary>
    public readonly bool TryGetAddress(StunAttributeType type, out StunAddress address)
    {
        address = default;
        return TryGetAttribute(type, out ReadOnlySpan<byte> value) && StunAttributeReader.TryReadAddress(value, out address);
    }

    /// <summary>Reads an XOR'ed address attribute (XOR-MAPPED-ADDRESS, XOR-PEER-ADDRESS, XOR-RELAYED-ADDRESS) with this message's transaction id.</summary>
    public readonly bool TryGetXorAddress(StunAttributeType type, out StunAddress address)
    {
        address = default;
        return TryGetAttribute(type, out ReadOnlySpan<byte> value)
               && StunAttributeReader.TryReadXorAddress(value, TransactionId, out address);
    }

    /// <summary>Reads a 32-bit attribute (LIFETIME, PRIORITY, CONNECTION-ID...).</summary>
    public readonly bool TryGetUInt32(StunAttributeType type, out uint number)
    {
        number = 0;
        return TryGetAttribute(type, out ReadOnlySpan<byte> value) && StunAttributeReader.TryReadUInt32(value, out number);
    }

    /// <summary>Reads ERROR-CODE.</summary>
    public readonly bool TryGetErrorCode(out int code, out ReadOnlySpan<byte> reasonUtf8)
    {
        code = 0;
        reasonUtf8 = default;
        return TryGetAttribute(StunAttributeType.ErrorCode, out ReadOnlySpan<byte> value)
               && StunAttributeReader.TryReadErrorCode(value, out code, out reasonUtf8);
    }

    /// <summary>Enumerates the attributes that count, in wire order (ignored ones are skipped).</summary>
    public readonly AttributeEnumerator GetAttributes() => new(_raw, includeIgnored: false);

    /// <summary>Enumerates attributes in wire order; with <paramref name="includeIgnored"/> also those §14.5/§14.6 say to ignore.</summary>
    public readonly AttributeEnumerator GetAttributes(bool includeIgnored) => new(_raw, includeIgnored);

    private readonly bool TryGetValueAt(int headerOffset, out ReadOnlySpan<byte> value)
    {
        value = default;
        if (headerOffset < Stun.HeaderLength || headerOffset + Stun.AttributeHeaderLength > _raw.Length)
        {
            return false;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(_raw.Slice(headerOffset + 2, 2));
        int start = headerOffset + Stun.AttributeHeaderLength;
        if (start + length > _raw.Length)
        {
            return false;
        }

        value = _raw.Slice(start, length);
        return true;
    }
}
