using System.Buffers.Binary;
using System.Security.Cryptography;
using Turn.Protocol;

namespace Turn.Server.Auth;

/// <summary>The verdict on a request's NONCE.</summary>
public enum NonceCheck
{
    Valid,

    /// <summary>Ours, but older than the nonce lifetime: answer 438 with a fresh nonce.</summary>
    Stale,

    /// <summary>Not a nonce this server issued to this client (forged, truncated, another client's).</summary>
    Invalid,
}

/// <summary>
/// Stateless nonces: the server remembers nothing per client before authentication succeeds.
/// A nonce is "obMatJos2" + the 24-bit security feature set (RFC 8489 §9.2: the nonce cookie),
/// then 8 hex digits of issue time and 16 hex digits of HMAC-SHA256(secret, cookie|time|client IP|realm).
/// It is bound to the client's IP address, so a nonce captured elsewhere is useless, and to the realm
/// it was issued with (the REALM of the same challenge), so it proves which realm the server chose
/// for the client (by ORIGIN) without remembering it.
/// </summary>
public sealed class NonceService
{
    /// <summary>Length of every nonce this service issues.</summary>
    public const int Length = CookieLength + 8 + 16;

    /// <summary>The longest realm a nonce can be bound to: a REALM value's limit (RFC 8489 §14.9).</summary>
    public const int MaxRealmBytes = Stun.MaxTextBytes;

    private const int CookieLength = 13; // "obMatJos2" + 4 base64 characters
    private static readonly byte[] CookiePrefix = "obMatJos2"u8.ToArray();

    private readonly byte[] _secret;
    private readonly byte[] _cookie;
    private readonly long _lifetimeSeconds;

    /// <param name="secret">HMAC key; random per process unless a fleet shares one.</param>
    /// <param name="lifetimeSeconds">How long a nonce is accepted; 0 = for ever (coturn's stale-nonce=0).</param>
    /// <param name="passwordAlgorithms">Advertise the "Password algorithms" security feature (RFC 8489 §9.2.1).</param>
    /// <param name="usernameAnonymity">Advertise the "Username anonymity" security feature (USERHASH).</param>
    public NonceService(ReadOnlySpan<byte> secret, long lifetimeSeconds, bool passwordAlgorithms, bool usernameAnonymity)
    {
        _secret = secret.ToArray();
        _lifetimeSeconds = lifetimeSeconds;
        PasswordAlgorithms = passwordAlgorithms;
        UsernameAnonymity = usernameAnonymity;

        // RFC 8489 §9.2: bit 0 (the most significant) = password algorithms, bit 1 = username anonymity.
        Span<byte> features = stackalloc byte[3];
        features[0] = (byte)((passwordAlgorithms ? 0x80 : 0) | (usernameAnonymity ? 0x40 : 0));
        _cookie = new byte[CookieLength];
        CookiePrefix.CopyTo(_cookie, 0);
        System.Buffers.Text.Base64.EncodeToUtf8(features, _cookie.AsSpan(CookiePrefix.Length), out _, out _);
    }

    public bool PasswordAlgorithms { get; }

    public bool UsernameAnonymity { get; }

    public static NonceService CreateRandom(long lifetimeSeconds, bool passwordAlgorithms, bool usernameAnonymity) =>
        new(RandomNumberGenerator.GetBytes(32), lifetimeSeconds, passwordAlgorithms, usernameAnonymity);

    /// <summary>True when <paramref name="nonce"/> starts with the RFC 8489 cookie announcing the password-algorithms feature.</summary>
    public static bool AnnouncesPasswordAlgorithms(ReadOnlySpan<byte> nonce)
    {
        if (nonce.Length < CookieLength || !nonce.StartsWith(CookiePrefix))
        {
            return false;
        }

        Span<byte> features = stackalloc byte[3];
        return System.Buffers.Text.Base64.DecodeFromUtf8(nonce.Slice(CookiePrefix.Length, 4), features, out _, out int written) == System.Buffers.OperationStatus.Done
            && written == 3 && (features[0] & 0x80) != 0;
    }

    /// <summary>Writes a nonce for <paramref name="client"/> issued at <paramref name="nowSeconds"/> (Unix time), bound to the empty realm.</summary>
    public void Write(in StunAddress client, long nowSeconds, Span<byte> destination) => Write(client, nowSeconds, [], destination);

    /// <summary>Writes a nonce for <paramref name="client"/> and <paramref name="realmUtf8"/> issued at <paramref name="nowSeconds"/> (Unix time).</summary>
    public void Write(in StunAddress client, long nowSeconds, ReadOnlySpan<byte> realmUtf8, Span<byte> destination)
    {
        _cookie.CopyTo(destination);
        uint issued = unchecked((uint)nowSeconds);
        WriteHex(issued, destination.Slice(CookieLength, 8));
        Span<byte> mac = stackalloc byte[32];
        Mac(client, destination[..(CookieLength + 8)], realmUtf8, mac);
        WriteHex(BinaryPrimitives.ReadUInt64BigEndian(mac), destination.Slice(CookieLength + 8, 16));
    }

    /// <summary>Checks a nonce bound to the empty realm.</summary>
    public NonceCheck Check(ReadOnlySpan<byte> nonce, in StunAddress client, long nowSeconds) => Check(nonce, client, nowSeconds, []);

    /// <summary>Checks that <paramref name="nonce"/> was issued by this service to <paramref name="client"/>'s IP with <paramref name="realmUtf8"/>, and its age.</summary>
    public NonceCheck Check(ReadOnlySpan<byte> nonce, in StunAddress client, long nowSeconds, ReadOnlySpan<byte> realmUtf8)
    {
        if (nonce.Length != Length || !nonce.StartsWith(_cookie)
            || !TryReadHex(nonce.Slice(CookieLength, 8), out ulong issued)
            || !TryReadHex(nonce.Slice(CookieLength + 8, 16), out ulong presented))
        {
            return NonceCheck.Invalid;
        }

        Span<byte> mac = stackalloc byte[32];
        Mac(client, nonce[..(CookieLength + 8)], realmUtf8, mac);
        Span<byte> expected = stackalloc byte[8];
        Span<byte> actual = stackalloc byte[8];
        mac[..8].CopyTo(expected);
        BinaryPrimitives.WriteUInt64BigEndian(actual, presented);
        if (!CryptographicOperations.FixedTimeEquals(expected, actual))
        {
            return NonceCheck.Invalid;
        }

        long age = unchecked((uint)nowSeconds - (uint)issued);
        return _lifetimeSeconds > 0 && age > _lifetimeSeconds ? NonceCheck.Stale : NonceCheck.Valid;
    }

    private void Mac(in StunAddress client, ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> realmUtf8, Span<byte> mac)
    {
        // A realm is at most MaxRealmBytes on the wire; a longer configured one is bound by its first bytes.
        if (realmUtf8.Length > MaxRealmBytes)
        {
            realmUtf8 = realmUtf8[..MaxRealmBytes];
        }

        Span<byte> input = stackalloc byte[CookieLength + 8 + 16 + MaxRealmBytes];
        prefix.CopyTo(input);
        StunAddress ip = PeerlessIp(client);
        int n = prefix.Length + ip.WriteAddressBytes(input[prefix.Length..]);
        realmUtf8.CopyTo(input[n..]);
        HMACSHA256.HashData(_secret, input[..(n + realmUtf8.Length)], mac);
    }

    // The nonce is tied to the client's IP, not its port: a NAT may move the port between retries.
    private static StunAddress PeerlessIp(in StunAddress a) => a.IsIPv4MappedToIPv6 ? a.Unmapped() : a;

    private static void WriteHex(ulong value, Span<byte> destination)
    {
        for (int i = destination.Length - 1; i >= 0; i--)
        {
            destination[i] = (byte)"0123456789abcdef"[(int)(value & 0xF)];
            value >>= 4;
        }
    }

    private static bool TryReadHex(ReadOnlySpan<byte> hex, out ulong value)
    {
        value = 0;
        foreach (byte c in hex)
        {
            int d = c switch
            {
                >= (byte)'0' and <= (byte)'9' => c - '0',
                >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
                _ => -1,
            };
            if (d < 0)
            {
                return false;
            }

            value = (value << 4) | (uint)d;
        }

        return true;
    }
}
