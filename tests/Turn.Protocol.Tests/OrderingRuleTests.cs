namespace Turn.Protocol.Tests;

/// <summary>RFC 8489 §14.5–§14.7: what counts after MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256 and FINGERPRINT.</summary>
public class OrderingRuleTests
{
    private static readonly byte[] Key = [0x6b, 0x65, 0x79];

    [Fact]
    public void Attributes_after_message_integrity_are_ignored_but_integrity_still_verifies()
    {
        byte[] signed = TestHelpers.Build((ref StunMessageWriter w) =>
        {
            w.AddLifetime(600);
            w.AddMessageIntegrity(Key);
        });
        byte[] tampered = TestHelpers.AppendRaw(signed, (ushort)StunAttributeType.Lifetime, [0, 0, 0, 1]);
        tampered = TestHelpers.AppendRaw(tampered, (ushort)StunAttributeType.Data, [1, 2, 3]);
        tampered = TestHelpers.AppendRaw(tampered, 0x0031, [1]); // unknown comprehension-required, ignored too

        StunMessage m = TestHelpers.ParseOk(tampered);
        Assert.True(m.TryGetUInt32(StunAttributeType.Lifetime, out uint lifetime));
        Assert.Equal(600u, lifetime); // the first, signed one
        Assert.False(m.HasAttribute(StunAttributeType.Data));
        Assert.False(m.HasUnknownComprehensionRequired);
        Assert.True(StunIntegrity.VerifyMessageIntegrity(m, Key));

        int visible = 0, all = 0;
        foreach (StunAttribute _ in m.GetAttributes())
        {
            visible++;
        }

        foreach (StunAttribute a in m.GetAttributes(includeIgnored: true))
        {
            all++;
            Assert.Equal(a.Offset > m.MessageIntegrityOffset, a.IsIgnored);
        }

        Assert.Equal(2, visible);
        Assert.Equal(5, all);
    }

    [Fact]
    public void Sha256_and_fingerprint_after_message_integrity_count()
    {
        byte[] bytes = TestHelpers.Build((ref StunMessageWriter w) =>
        {
            w.AddUsername("u");
            w.AddMessageIntegrity(Key);
            w.AddMessageIntegritySha256(Key);
            w.AddFingerprint();
        });
        StunMessage m = TestHelpers.ParseOk(bytes);
        Assert.True(m.HasMessageIntegrity);
        Assert.True(m.HasMessageIntegritySha256);
        Assert.True(m.HasFingerprint);
        Assert.True(StunIntegrity.VerifyMessageIntegrity(m, Key));
        Assert.True(StunIntegrity.VerifyMessageIntegritySha256(m, Key));
        Assert.True(StunIntegrity.VerifyFingerprint(m));
    }

    [Fact]
    public void After_sha256_only_fingerprint_counts()
    {
        byte[] signed = TestHelpers.Build((ref StunMessageWriter w) =>
        {
            w.AddUsername("u");
            w.AddMessageIntegritySha256(Key);
        });
        byte[] extended = TestHelpers.AppendRaw(signed, (ushort)StunAttributeType.MessageIntegrity, new byte[20]);
        extended = TestHelpers.AppendRaw(extended, (ushort)StunAttributeType.Realm, "evil"u8);
        StunMessage m = TestHelpers.ParseOk(extended);
        Assert.False(m.HasMessageIntegrity); // MI after MI-SHA256 is ignored
        Assert.False(m.HasAttribute(StunAttributeType.Realm));
        Assert.True(StunIntegrity.VerifyMessageIntegritySha256(m, Key));
    }

    [Fact]
    public void A_second_message_integrity_is_ignored()
    {
        byte[] signed = TestHelpers.Build((ref StunMessageWriter w) => w.AddMessageIntegrity(Key));
        byte[] twice = TestHelpers.AppendRaw(signed, (ushort)StunAttributeType.MessageIntegrity, new byte[20]);
        StunMessage m = TestHelpers.ParseOk(twice);
        Assert.Equal(20, m.MessageIntegrityOffset);
        Assert.True(StunIntegrity.VerifyMessageIntegrity(m, Key));
    }

    [Fact]
    public void Anything_after_fingerprint_is_malformed()
    {
        byte[] bytes = TestHelpers.Build((ref StunMessageWriter w) =>
        {
            w.AddSoftware("x");
            w.AddFingerprint();
        });
        Assert.Equal(StunParseStatus.Ok, StunMessage.TryParse(bytes, out _));
        foreach (ushort type in new ushort[] { (ushort)StunAttributeType.Software, (ushort)StunAttributeType.MessageIntegrity, (ushort)StunAttributeType.Fingerprint, 0x0031 })
        {
            byte[] after = TestHelpers.AppendRaw(bytes, type, type == (ushort)StunAttributeType.Fingerprint ? new byte[4] : new byte[20]);
            Assert.Equal(StunParseStatus.Malformed, StunMessage.TryParse(after, out _));
        }
    }

    [Fact]
    public void Fingerprint_before_message_integrity_is_malformed()
    {
        byte[] bytes = TestHelpers.Build((ref StunMessageWriter w) =>
        {
            w.AddFingerprint();
            w.AddMessageIntegrity(Key);
        });
        Assert.Equal(StunParseStatus.Malformed, StunMessage.TryParse(bytes, out _));
    }

    [Fact]
    public void Duplicate_attributes_return_the_first()
    {
        byte[] bytes = TestHelpers.Build((ref StunMessageWriter w) =>
        {
            w.AddLifetime(1);
            w.AddLifetime(2);
        });
        StunMessage m = TestHelpers.ParseOk(bytes);
        Assert.True(m.TryGetUInt32(StunAttributeType.Lifetime, out uint first));
        Assert.Equal(1u, first);
    }
}
