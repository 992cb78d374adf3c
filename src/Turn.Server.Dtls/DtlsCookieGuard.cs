using System.Buffers.Binary;
using System.Security.Cryptography;
using Turn.Protocol;

namespace Turn.Server.Dtls;

/// <summary>
/// The stateless cookie exchange of RFC 6347 §4.2.1. A ClientHello without a valid cookie is
/// answered with a HelloVerifyRequest whose cookie is
/// <c>HMAC-SHA256(secret, client address | client port | client_version | random | session_id |
/// SHA-256(cipher_suites) | SHA-256(compression_methods))</c>, truncated to <see cref="CookieLength"/>
/// bytes; nothing is remembered. Only a ClientHello that echoes such a cookie (proof that the
/// client receives at its address) may make the server keep state.
/// <para>
/// The secret is per process and replaced every <see cref="RotationMs"/>; cookies made with the
/// current or the previous secret are accepted, so a cookie lives between one and two periods.
/// Thread-safe and allocation-free (except one small object per rotation): every worker uses one instance.
/// </para>
/// </summary>
public sealed class DtlsCookieGuard
{
    public const int CookieLength = 16;

    /// <summary>Length of a HelloVerifyRequest datagram (record + handshake headers, version, cookie).</summary>
    public const int HelloVerifyRequestLength = DtlsWire.RecordHeaderLength + DtlsWire.HandshakeHeaderLength + 3 + CookieLength;

    private const int SecretLength = 32;
    private const int MaxInput = 16 + 2 + 2 + 32 + 1 + 32 + 32 + 32;

    private Secrets _secrets;

    public DtlsCookieGuard(long rotationMs = 60_000)
    {
        RotationMs = rotationMs;
        _secrets = new Secrets(RandomNumberGenerator.GetBytes(SecretLength), RandomNumberGenerator.GetBytes(SecretLength), Environment.TickCount64 + rotationMs);
    }

    public long RotationMs { get; }

    /// <summary>True when <paramref name="hello"/> carries a cookie this process made for <paramref name="client"/>.</summary>
    public bool IsValid(in ClientHelloView hello, in StunAddress client, long nowMs)
    {
        if (hello.Cookie.Length != CookieLength)
        {
            return false;
        }

        Secrets secrets = Current(nowMs);
        Span<byte> expected = stackalloc byte[32];
        Compute(secrets.Current, hello, client, expected);
        if (CryptographicOperations.FixedTimeEquals(expected[..CookieLength], hello.Cookie))
        {
            return true;
        }

        Compute(secrets.Previous, hello, client, expected);
        return CryptographicOperations.FixedTimeEquals(expected[..CookieLength], hello.Cookie);
    }

    /// <summary>
    /// Writes the HelloVerifyRequest datagram answering <paramref name="hello"/> (at least
    /// <see cref="HelloVerifyRequestLength"/> bytes of room); returns its length.
    /// RFC 6347 §4.2.1: version DTLS 1.0 whatever will be negotiated, and the record and message
    /// sequence numbers of the ClientHello, so the client can tell it answers that datagram.
    /// </summary>
    public int WriteHelloVerifyRequest(in ClientHelloView hello, in StunAddress client, long nowMs, Span<byte> destination)
    {
        const int body = 3 + CookieLength;
        DtlsWire.WriteRecordHeader(destination, DtlsWire.Handshake, DtlsWire.Dtls10, 0, hello.RecordSequence, DtlsWire.HandshakeHeaderLength + body);
        Span<byte> handshake = destination[DtlsWire.RecordHeaderLength..];
        handshake[0] = DtlsWire.HelloVerifyRequest;
        DtlsWire.WriteUInt24(handshake[1..], body);
        BinaryPrimitives.WriteUInt16BigEndian(handshake[4..], hello.MessageSequence);
        DtlsWire.WriteUInt24(handshake[6..], 0);
        DtlsWire.WriteUInt24(handshake[9..], body);
        Span<byte> payload = handshake[DtlsWire.HandshakeHeaderLength..];
        BinaryPrimitives.WriteUInt16BigEndian(payload, DtlsWire.Dtls10);
        payload[2] = CookieLength;
        Span<byte> mac = stackalloc byte[32];
        Compute(Current(nowMs).Current, hello, client, mac);
        mac[..CookieLength].CopyTo(payload[3..]);
        return HelloVerifyRequestLength;
    }

    /// <summary>Forces a new secret now (tests): cookies of two periods ago stop being accepted.</summary>
    public void Rotate(long nowMs)
    {
        Secrets old = Volatile.Read(ref _secrets);
        Volatile.Write(ref _secrets, new Secrets(RandomNumberGenerator.GetBytes(SecretLength), old.Current, nowMs + RotationMs));
    }

    private Secrets Current(long nowMs)
    {
        Secrets s = Volatile.Read(ref _secrets);
        if (nowMs < s.RotateAtMs)
        {
            return s;
        }

        // One worker wins the swap; the others use whichever pair they read. A new cookie is valid
        // under the new secret at once, an older one under the previous.
        var next = new Secrets(RandomNumberGenerator.GetBytes(SecretLength), s.Current, nowMs + RotationMs);
        Secrets seen = Interlocked.CompareExchange(ref _secrets, next, s);
        return ReferenceEquals(seen, s) ? next : seen;
    }

    private static void Compute(byte[] secret, in ClientHelloView hello, in StunAddress client, Span<byte> mac)
    {
        Span<byte> input = stackalloc byte[MaxInput];
        int at = client.WriteAddressBytes(input);
        BinaryPrimitives.WriteUInt16BigEndian(input[at..], client.Port);
        at += 2;
        BinaryPrimitives.WriteUInt16BigEndian(input[at..], hello.ClientVersion);
        at += 2;
        hello.Random.CopyTo(input[at..]);
        at += hello.Random.Length;
        input[at++] = (byte)hello.SessionId.Length;
        hello.SessionId.CopyTo(input[at..]);
        at += hello.SessionId.Length;
        SHA256.HashData(hello.CipherSuites, input.Slice(at, 32));
        at += 32;
        SHA256.HashData(hello.Compression, input.Slice(at, 32));
        at += 32;
        HMACSHA256.HashData(secret, input[..at], mac);
    }

    private sealed record Secrets(byte[] Current, byte[] Previous, long RotateAtMs);
}
