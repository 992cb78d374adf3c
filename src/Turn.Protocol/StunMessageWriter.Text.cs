using System.Buffers.Binary;
using System.Text;

namespace Turn.Protocol;

public ref partial struct StunMessageWriter
{
    /// <summary>Appends text encoded as UTF-8 straight into the buffer (no limit other than the attribute size).</summary>
    public void AddString(StunAttributeType type, scoped ReadOnlySpan<char> text)
    {
        int byteCount = Encoding.UTF8.GetByteCount(text);
        if (TryReserve((ushort)type, byteCount, out Span<byte> value))
        {
            Encoding.UTF8.GetBytes(text, value);
        }
    }

    /// <summary>Appends already-encoded UTF-8 text.</summary>
    public void AddUtf8(StunAttributeType type, scoped ReadOnlySpan<byte> utf8) => AddAttribute((ushort)type, utf8);

    /// <summary>USERNAME (RFC 8489 §14.3), at most <see cref="Stun.MaxUsernameBytes"/> bytes of UTF-8.</summary>
    /// <exception cref="ArgumentException">Too long.</exception>
    public void AddUsername(scoped ReadOnlySpan<char> username) => AddLimitedText(StunAttributeType.Username, username, Stun.MaxUsernameBytes, int.MaxValue);

    /// <summary>REALM (RFC 8489 §14.9): fewer than 128 characters.</summary>
    /// <exception cref="ArgumentException">Too long.</exception>
    public void AddRealm(scoped ReadOnlySpan<char> realm) => AddLimitedText(StunAttributeType.Realm, realm, Stun.MaxTextBytes, Stun.MaxTextChars);

    /// <summary>NONCE (RFC 8489 §14.10): fewer than 128 characters.</summary>
    /// <exception cref="ArgumentException">Too long.</exception>
    public void AddNonce(scoped ReadOnlySpan<char> nonce) => AddLimitedText(StunAttributeType.Nonce, nonce, Stun.MaxTextBytes, Stun.MaxTextChars);

    /// <summary>SOFTWARE (RFC 8489 §14.14): fewer than 128 characters.</summary>
    /// <exception cref="ArgumentException">Too long.</exception>
    public void AddSoftware(scoped ReadOnlySpan<char> software) => AddLimitedText(StunAttributeType.Software, software, Stun.MaxTextBytes, Stun.MaxTextChars);

    /// <summary>ORIGIN (draft-ietf-tram-stun-origin).</summary>
    /// <exception cref="ArgumentException">Too long.</exception>
    public void AddOrigin(scoped ReadOnlySpan<char> origin) => AddLimitedText(StunAttributeType.Origin, origin, Stun.MaxTextBytes, int.MaxValue);

    /// <summary>THIRD-PARTY-AUTHORIZATION (RFC 7635 §6.1): the authorization server name.</summary>
    /// <exception cref="ArgumentException">Too long.</exception>
    public void AddThirdPartyAuthorization(scoped ReadOnlySpan<char> serverName)
        => AddLimitedText(StunAttributeType.ThirdPartyAuthorization, serverName, Stun.MaxTextBytes, int.MaxValue);

    /// <summary>ALTERNATE-DOMAIN (RFC 8489 §14.16): an ASCII DNS name of at most 255 characters.</summary>
    /// <exception cref="ArgumentException">Empty, too long, or not ASCII.</exception>
    public void AddAlternateDomain(scoped ReadOnlySpan<char> domain)
    {
        if (domain.IsEmpty || domain.Length > Stun.MaxAlternateDomainBytes || !Ascii.IsValid(domain))
        {
            throw new ArgumentException("ALTERNATE-DOMAIN is an ASCII DNS name of 1..255 characters.", nameof(domain));
        }

        AddString(StunAttributeType.AlternateDomain, domain);
    }

    /// <summary>
    /// ERROR-CODE (RFC 8489 §14.8): 21 zero bits, class (3 bits), number (8 bits), reason phrase.
    /// A null reason uses <see cref="StunErrorCode.DefaultReason"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The code is not 300..699.</exception>
    /// <exception cref="ArgumentException">The reason has 128 or more characters.</exception>
    public void AddErrorCode(int code, string? reason = null)
        => AddErrorCode(code, (reason ?? StunErrorCode.DefaultReason(code)).AsSpan());

    /// <inheritdoc cref="AddErrorCode(int, string?)"/>
    public void AddErrorCode(int code, scoped ReadOnlySpan<char> reason) => WriteErrorCode(StunAttributeType.ErrorCode, 0, code, reason);

    /// <summary>
    /// ADDRESS-ERROR-CODE (RFC 8656 §18.12): family, 13 reserved bits, class, number, reason.
    /// A null reason uses <see cref="StunErrorCode.DefaultReason"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The code is not 300..699.</exception>
    public void AddAddressErrorCode(StunAddressFamily family, int code, string? reason = null)
        => WriteErrorCode(StunAttributeType.AddressErrorCode, (byte)family, code, (reason ?? StunErrorCode.DefaultReason(code)).AsSpan());

    /// <summary>
    /// UNKNOWN-ATTRIBUTES (RFC 8489 §14.13). In an RFC 3489 message (written with
    /// <see cref="WriteClassicHeader"/>) an odd list repeats its last entry, as RFC 3489 §11.2.10 asks.
    /// </summary>
    public void AddUnknownAttributes(scoped ReadOnlySpan<ushort> types)
    {
        bool classic = _length >= Stun.HeaderLength && BinaryPrimitives.ReadUInt32BigEndian(_buffer.Slice(4, 4)) != Stun.MagicCookie;
        bool repeat = classic && (types.Length & 1) == 1;
        int count = types.Length + (repeat ? 1 : 0);
        if (TryReserve((ushort)StunAttributeType.UnknownAttributes, 2 * count, out Span<byte> value))
        {
            for (int i = 0; i < types.Length; i++)
            {
                BinaryPrimitives.WriteUInt16BigEndian(value.Slice(2 * i, 2), types[i]);
            }

            if (repeat)
            {
                BinaryPrimitives.WriteUInt16BigEndian(value.Slice(2 * types.Length, 2), types[^1]);
            }
        }
    }

    private void WriteErrorCode(StunAttributeType type, byte firstByte, int code, scoped ReadOnlySpan<char> reason)
    {
        if (code < 300 || code > 699)
        {
            throw new ArgumentOutOfRangeException(nameof(code), code, "STUN error codes are 300..699 (RFC 8489 §14.8).");
        }

        CheckText(reason, Stun.MaxTextBytes, Stun.MaxTextChars, nameof(reason));
        int reasonBytes = Encoding.UTF8.GetByteCount(reason);
        if (TryReserve((ushort)type, 4 + reasonBytes, out Span<byte> value))
        {
            value[0] = firstByte;
            value[1] = 0;
            value[2] = (byte)(code / 100);
            value[3] = (byte)(code % 100);
            Encoding.UTF8.GetBytes(reason, value.Slice(4));
        }
    }

    private void AddLimitedText(StunAttributeType type, scoped ReadOnlySpan<char> text, int maxBytes, int maxChars)
    {
        CheckText(text, maxBytes, maxChars, nameof(text));
        AddString(type, text);
    }

    private static void CheckText(scoped ReadOnlySpan<char> text, int maxBytes, int maxChars, string parameterName)
    {
        if (Encoding.UTF8.GetByteCount(text) > maxBytes || CountScalars(text) > maxChars)
        {
            throw new ArgumentException("The text is longer than its attribute allows (RFC 8489 §14).", parameterName);
        }
    }

    private static int CountScalars(ReadOnlySpan<char> text)
    {
        int count = 0;
        foreach (char c in text)
        {
            if (!char.IsLowSurrogate(c))
            {
                count++;
            }
        }

        return count;
    }
}
