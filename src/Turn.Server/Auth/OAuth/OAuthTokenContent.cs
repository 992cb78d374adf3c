using Turn.Protocol;

namespace Turn.Server.Auth.OAuth;

/// <summary>
/// The decrypted block of an RFC 7635 §6.2 token: the session's MAC key (the MESSAGE-INTEGRITY key of
/// the client's requests), the timestamp (48 bits of Unix seconds, 16 bits of 1/64000 s) and the
/// lifetime of the MAC key in seconds.
/// </summary>
public sealed class OAuthTokenContent
{
    private readonly byte[] _macKey;

    public OAuthTokenContent(ReadOnlySpan<byte> macKey, ulong timestamp, uint lifetime)
    {
        _macKey = macKey.ToArray();
        Timestamp = timestamp;
        Lifetime = lifetime;
    }

    /// <summary>mac_key: the session key.</summary>
    public ReadOnlySpan<byte> MacKey => _macKey;

    /// <summary>The raw 64-bit timestamp field.</summary>
    public ulong Timestamp { get; }

    /// <summary>Lifetime of the token in seconds; 0 = no expiry (coturn does not check it then).</summary>
    public uint Lifetime { get; }

    /// <summary>The whole seconds of <see cref="Timestamp"/> (its upper 48 bits).</summary>
    public long TimestampSeconds => (long)(Timestamp >> 16);

    /// <summary>The 1/64000-second fraction of <see cref="Timestamp"/> (its lower 16 bits).</summary>
    public int TimestampFraction => (int)(Timestamp & 0xFFFF);

    /// <summary><see cref="Timestamp"/> as a time (clamped to the representable range).</summary>
    public DateTimeOffset IssuedAt => OAuthAccessToken.FromTimestamp(Timestamp);

    /// <summary>A content issued at <paramref name="issuedAt"/>.</summary>
    public static OAuthTokenContent Create(ReadOnlySpan<byte> macKey, DateTimeOffset issuedAt, uint lifetime) =>
        new(macKey, OAuthAccessToken.ToTimestamp(issuedAt), lifetime);

    /// <summary>A content issued at Unix second <paramref name="unixSeconds"/> (fraction 0).</summary>
    public static OAuthTokenContent Create(ReadOnlySpan<byte> macKey, long unixSeconds, uint lifetime) =>
        new(macKey, (ulong)Math.Max(0, unixSeconds) << 16, lifetime);

    /// <summary>A copy of the MAC key.</summary>
    public byte[] MacKeyToArray() => (byte[])_macKey.Clone();

    /// <summary>Leaves the MAC key out, so a logged token leaks nothing.</summary>
    public override string ToString() =>
        $"OAuthTokenContent {{ MacKeyLength = {_macKey.Length}, Timestamp = {TimestampSeconds}+{TimestampFraction}/64000, Lifetime = {Lifetime} }}";
}
