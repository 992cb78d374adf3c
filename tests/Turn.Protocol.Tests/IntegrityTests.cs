using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Turn.Protocol.Tests;

public class IntegrityTests
{
    private static readonly byte[] Key = StunKeys.LongTermMd5("user", "realm", "pass");

    [Theory]
    [InlineData(16)]
    [InlineData(20)]
    [InlineData(24)]
    [InlineData(28)]
    [InlineData(32)]
    public void Sha256_truncated_lengths_verify(int length)
    {
        byte[] bytes = TestHelpers.Build((ref StunMessageWriter w) =>
        {
            w.AddUsername("user");
            w.AddMessageIntegritySha256(Key, length);
            w.AddFingerprint();
        });
        StunMessage m = TestHelpers.ParseOk(bytes);
        Assert.Equal(length, TestHelpers.Attribute(m, StunAttributeType.MessageIntegritySha256).Length);
        Assert.True(StunIntegrity.VerifyMessageIntegritySha256(m, Key));
        Assert.False(StunIntegrity.VerifyMessageIntegritySha256(m, [1]));
        Assert.True(StunIntegrity.VerifyFingerprint(m));

        // The value is the first `length` bytes of HMAC-SHA256 over the message with the length field
        // counting the truncated attribute (RFC 8489 §14.6).
        byte[] covered = bytes[..m.MessageIntegritySha256Offset];
        BinaryPrimitives.WriteUInt16BigEndian(covered.AsSpan(2), (ushort)(m.MessageIntegritySha256Offset + 4 + length - 20));
        byte[] full = HMACSHA256.HashData(Key, covered);
        Assert.Equal(full[..length], TestHelpers.Attribute(m, StunAttributeType.MessageIntegritySha256).ToArray());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(12)]
    [InlineData(15)]
    [InlineData(18)]
    [InlineData(36)]
    public void Sha256_bad_lengths_are_rejected(int length)
    {
        byte[] mac = new byte[32];
        byte[] bytes = TestHelpers.Build((ref StunMessageWriter w) => w.AddUsername("user"));
        // Compute a MAC the way a sender truncating to `length` would, so only the length is at fault.
        byte[] covered = (byte[])bytes.Clone();
        BinaryPrimitives.WriteUInt16BigEndian(covered.AsSpan(2), (ushort)(bytes.Length + 4 + length - 20));
        HMACSHA256.HashData(Key, covered, mac);
        byte[] value = length <= 32 ? mac[..length] : [.. mac, .. new byte[length - 32]];
        byte[] signed = TestHelpers.AppendRaw(bytes, (ushort)StunAttributeType.MessageIntegritySha256, value);
        StunMessage m = TestHelpers.ParseOk(signed);
        Assert.False(StunIntegrity.VerifyMessageIntegritySha256(m, Key));
        Assert.False(StunAttributeReader.TryReadMessageIntegritySha256(value, out _));

        var buffer = new byte[128];
        Assert.Throws<ArgumentOutOfRangeException>(() =>
        {
            var w = new StunMessageWriter(buffer);
            w.WriteHeader(StunMethod.Binding, StunClass.Request, TestHelpers.TransactionId);
            w.AddMessageIntegritySha256(Key, length);
        });
    }

    [Fact]
    public void Message_integrity_of_wrong_length_does_not_verify()
    {
        byte[] bytes = TestHelpers.Build((ref StunMessageWriter w) => w.AddUsername("user"));
        byte[] signed = TestHelpers.AppendRaw(bytes, (ushort)StunAttributeType.MessageIntegrity, new byte[16]);
        StunMessage m = TestHelpers.ParseOk(signed);
        Assert.True(m.HasMessageIntegrity);
        Assert.False(StunIntegrity.VerifyMessageIntegrity(m, Key));
    }

    [Fact]
    public void Message_integrity_matches_a_reference_hmac()
    {
        byte[] bytes = TestHelpers.Build((ref StunMessageWriter w) =>
        {
            w.AddUsername("user");
            w.AddMessageIntegrity(Key);
            w.AddFingerprint();
        });
        StunMessage m = TestHelpers.ParseOk(bytes);
        byte[] covered = bytes[..m.MessageIntegrityOffset];
        BinaryPrimitives.WriteUInt16BigEndian(covered.AsSpan(2), (ushort)(m.MessageIntegrityOffset + 24 - 20));
        Assert.Equal(HMACSHA1.HashData(Key, covered), TestHelpers.Attribute(m, StunAttributeType.MessageIntegrity).ToArray());
    }

    [Fact]
    public void Large_messages_use_the_pooled_path()
    {
        byte[] data = new byte[60000];
        new Random(7).NextBytes(data);
        byte[] bytes = TestHelpers.Build(StunMethod.Send, StunClass.Indication, (ref StunMessageWriter w) =>
        {
            w.AddData(data);
            w.AddMessageIntegrity(Key);
            w.AddMessageIntegritySha256(Key);
            w.AddFingerprint();
        });
        StunMessage m = TestHelpers.ParseOk(bytes);
        Assert.True(StunIntegrity.VerifyMessageIntegrity(m, Key));
        Assert.True(StunIntegrity.VerifyMessageIntegritySha256(m, Key));
        Assert.True(StunIntegrity.VerifyFingerprint(m));
        bytes[1000] ^= 1;
        m = TestHelpers.ParseOk(bytes);
        Assert.False(StunIntegrity.VerifyMessageIntegrity(m, Key));
        Assert.False(StunIntegrity.VerifyMessageIntegritySha256(m, Key));
        Assert.False(StunIntegrity.VerifyFingerprint(m));
    }

    [Fact]
    public void Missing_attributes_do_not_verify()
    {
        StunMessage m = TestHelpers.ParseOk(TestHelpers.Build((ref StunMessageWriter w) => w.AddUsername("user")));
        Assert.False(StunIntegrity.VerifyMessageIntegrity(m, Key));
        Assert.False(StunIntegrity.VerifyMessageIntegritySha256(m, Key));
        Assert.False(StunIntegrity.VerifyFingerprint(m));
    }

    [Fact]
    public void Crc32_check_value()
    {
        Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8)); // the standard CRC-32 check value
        Assert.Equal(0u, Crc32.Compute([]));
        byte[] data = new byte[1000];
        new Random(3).NextBytes(data);
        Assert.Equal(Crc32.Compute(data), Crc32.Append(Crc32.Compute(data.AsSpan(0, 333)), data.AsSpan(333)));
        Assert.Equal(BitwiseCrc32(data), Crc32.Compute(data));
    }

    // Reference: the bit-at-a-time definition (reflected 0xEDB88320, init and final XOR 0xFFFFFFFF).
    private static uint BitwiseCrc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
            }
        }

        return ~crc;
    }
}
