using Turn.Protocol;

namespace Turn.Client.Tests;

public sealed class StunRequestAndOptionsTests
{
    [Fact]
    public void TheDefaultScheduleIsRfc8489s()
    {
        IReadOnlyList<TimeSpan> waits = StunClientOptions.Default.GetUdpSchedule();

        // Sent at 0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s; failure at 39.5 s (RFC 8489 §6.2.1).
        Assert.Equal([500, 1000, 2000, 4000, 8000, 16000, 8000], waits.Select(w => (int)w.TotalMilliseconds));
        Assert.Equal(TimeSpan.FromMilliseconds(39_500), StunClientOptions.Default.UdpTransactionTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(39_500), StunClientOptions.Default.TcpTransactionTimeout);
    }

    [Fact]
    public void ShorterSchedulesAndCapsAreHonoured()
    {
        var o = new StunClientOptions { InitialRto = TimeSpan.FromMilliseconds(100), MaxTransmissions = 2, FinalWaitMultiplier = 4 };
        Assert.Equal([100, 400], o.GetUdpSchedule().Select(w => (int)w.TotalMilliseconds));
        Assert.Equal(TimeSpan.FromMilliseconds(500), o.UdpTransactionTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(300), (o with { Timeout = TimeSpan.FromMilliseconds(300) }).UdpTransactionTimeout);
        Assert.Throws<ArgumentOutOfRangeException>(() => new StunClientOptions { MaxTransmissions = 0 }.GetUdpSchedule());
    }

    [Fact]
    public void AnRfc5780RequestCarriesItsAttributes()
    {
        var request = new StunBindingRequest { ChangeIp = true, ChangePort = true, ResponsePort = 40001, PaddingLength = 1500, Fingerprint = true };
        byte[] packet = request.Encode(out byte[] txid);

        Assert.Equal(StunParseStatus.Ok, StunMessage.TryParse(packet, out StunMessage m));
        Assert.Equal(StunMethod.Binding, m.Method);
        Assert.Equal(StunClass.Request, m.Class);
        Assert.Equal(txid, m.TransactionId.ToArray());
        Assert.True(m.TryGetAttribute(StunAttributeType.ChangeRequest, out ReadOnlySpan<byte> cr));
        Assert.True(StunAttributeReader.TryReadChangeRequest(cr, out bool ip, out bool port));
        Assert.True(ip && port);
        Assert.True(m.TryGetAttribute(StunAttributeType.ResponsePort, out ReadOnlySpan<byte> rp));
        Assert.True(StunAttributeReader.TryReadResponsePort(rp, out ushort p));
        Assert.Equal(40001, p);
        Assert.True(m.TryGetAttribute(StunAttributeType.Padding, out ReadOnlySpan<byte> pad));
        Assert.Equal(1500, pad.Length);
        Assert.True(StunIntegrity.VerifyFingerprint(m));
    }

    [Fact]
    public void EachEncodingGetsAFreshTransactionId()
    {
        StunBindingRequest.Plain.Encode(out byte[] a);
        StunBindingRequest.Plain.Encode(out byte[] b);
        Assert.NotEqual(a, b);
    }
}
