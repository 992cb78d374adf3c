using System.Security.Cryptography;

namespace Turn.Server.Dtls.Tests;

public sealed class DtlsRecordProtectionTests
{
    public static TheoryData<int> Suites() => [.. DtlsCipherSuites.All.Where(s => s.IsAead).Select(s => s.Code)];

    [Theory]
    [MemberData(nameof(Suites))]
    public void SealedRecordsOpenOnTheOtherSideOnce(int code)
    {
        (AeadRecordProtection server, AeadRecordProtection client) = Pair(code);
        byte[] message = RandomNumberGenerator.GetBytes(300);
        byte[] record = new byte[message.Length + DtlsRecordProtection.MaxOverhead];
        int length = server.Seal(DtlsWire.ApplicationData, message, record);
        Assert.Equal(DtlsWire.RecordHeaderLength + message.Length + server.Suite.Overhead, length);

        Assert.True(DtlsWire.TryReadRecord(record.AsSpan(0, length), out DtlsRecordHeader header, out int recordLength));
        Assert.Equal(length, recordLength);
        Assert.Equal(1, header.Epoch);
        Assert.Equal(5UL, header.Sequence); // continues after the handshake's records
        byte[] plain = new byte[DtlsWire.MaxPlaintext];
        Assert.True(client.TryOpen(header, record.AsSpan(0, length), plain, out int opened));
        Assert.Equal(message, plain[..opened]);

        Assert.False(client.TryOpen(header, record.AsSpan(0, length), plain, out _)); // replay (RFC 6347 §4.1.2.6)
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void TamperedRecordsAreRefused(int code)
    {
        (AeadRecordProtection server, AeadRecordProtection client) = Pair(code);
        byte[] record = new byte[100 + DtlsRecordProtection.MaxOverhead];
        int length = server.Seal(DtlsWire.ApplicationData, new byte[100], record);
        byte[] plain = new byte[DtlsWire.MaxPlaintext];
        foreach (int at in new[] { 0, 4, 10, 20, length - 1 })
        {
            byte[] copy = record[..length];
            copy[at] ^= 0x40;
            bool parsed = DtlsWire.TryReadRecord(copy, out DtlsRecordHeader header, out _);
            Assert.False(parsed && client.TryOpen(header, copy, plain, out _));
        }

        Assert.True(DtlsWire.TryReadRecord(record.AsSpan(0, length), out DtlsRecordHeader good, out _));
        Assert.True(client.TryOpen(good, record.AsSpan(0, length), plain, out _)); // the window did not move
    }

    [Fact]
    public void ReplayWindowAcceptsReorderingWithinSixtyFour()
    {
        var window = new DtlsReplayWindow();
        window.Mark(100);
        Assert.True(window.MayAccept(99));
        Assert.True(window.MayAccept(37));
        Assert.False(window.MayAccept(36));
        Assert.False(window.MayAccept(100));
        window.Mark(99);
        Assert.False(window.MayAccept(99));
        window.Mark(300);
        Assert.False(window.MayAccept(100));
        Assert.True(window.MayAccept(299));
    }

    [Fact]
    public void CipherListPicksNamedSuites()
    {
        Assert.Equal([0xC02B], DtlsCipherSuites.FromCipherList("ECDHE-ECDSA-AES128-GCM-SHA256:HIGH:!aNULL", out string? none).Select(s => s.Code));
        Assert.Null(none);
        Assert.Equal(DtlsCipherSuites.All.Count, DtlsCipherSuites.FromCipherList("DEFAULT", out string? keywords).Count);
        Assert.Null(keywords);
        Assert.Equal(DtlsCipherSuites.All.Count, DtlsCipherSuites.FromCipherList("DHE-RSA-AES256-SHA", out string? warning).Count);
        Assert.NotNull(warning);
    }

    [Fact]
    public void Tls12PrfMatchesPublishedVector()
    {
        // The TLS 1.2 PRF (SHA-256) test vector circulated on the IETF TLS list (secret, label "test label", seed).
        byte[] secret = Convert.FromHexString("9bbe436ba940f017b17652849a71db35");
        byte[] seed = Convert.FromHexString("a0ba9f936cda311827a6f796ffd5198c");
        byte[] output = DtlsKeySchedule.Prf(false, secret, "test label", seed, 100);
        Assert.Equal("e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66",
            Convert.ToHexString(output).ToLowerInvariant());
    }

    private static (AeadRecordProtection Server, AeadRecordProtection Client) Pair(int code)
    {
        DtlsCipherSuite suite = DtlsCipherSuites.Find(code)!;
        byte[] master = RandomNumberGenerator.GetBytes(48);
        byte[] clientRandom = RandomNumberGenerator.GetBytes(32);
        byte[] serverRandom = RandomNumberGenerator.GetBytes(32);
        var a = DtlsKeySchedule.Expand(suite, master, clientRandom, serverRandom);
        var b = DtlsKeySchedule.Expand(suite, master, clientRandom, serverRandom);
        return (new AeadRecordProtection(suite, 1, a.ClientKey, a.ClientIv, a.ServerKey, a.ServerIv, 5),
                new AeadRecordProtection(suite, 1, b.ServerKey, b.ServerIv, b.ClientKey, b.ClientIv, 0));
    }
}
