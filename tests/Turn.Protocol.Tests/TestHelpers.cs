using Turn.Protocol;

namespace Turn.Protocol.Tests;

/// <summary>Lets a test hand a writer to a lambda (a ref struct cannot be a generic argument).</summary>
internal delegate void WriteAttributes(ref StunMessageWriter writer);

internal static class TestHelpers
{
    public static readonly byte[] TransactionId = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];

    public static byte[] Hex(string hex) => Convert.FromHexString(string.Concat(hex.Where(Uri.IsHexDigit)));

    /// <summary>Writes a message with the given attributes and returns its bytes; fails the test on overflow.</summary>
    public static byte[] Build(StunMethod method, StunClass cls, WriteAttributes write, byte[]? transactionId = null)
    {
        var buffer = new byte[Stun.MaxMessageLength];
        var writer = new StunMessageWriter(buffer);
        writer.WriteHeader(method, cls, transactionId ?? TransactionId);
        write(ref writer);
        Assert.False(writer.Overflowed);
        return writer.Written.ToArray();
    }

    public static byte[] Build(WriteAttributes write) => Build(StunMethod.Allocate, StunClass.Request, write);

    /// <summary>Parses and asserts Ok.</summary>
    public static StunMessage ParseOk(ReadOnlySpan<byte> bytes)
    {
        StunParseStatus status = StunMessage.TryParse(bytes, out StunMessage message);
        Assert.Equal(StunParseStatus.Ok, status);
        return message;
    }

    /// <summary>Finds the attribute value in a parsed message or fails.</summary>
    public static ReadOnlySpan<byte> Attribute(in StunMessage message, StunAttributeType type)
    {
        Assert.True(message.TryGetAttribute(type, out ReadOnlySpan<byte> value), $"{type} missing");
        return value;
    }

    /// <summary>Appends a raw TLV to a message and fixes its length field (for building odd orders by hand).</summary>
    public static byte[] AppendRaw(byte[] message, ushort type, ReadOnlySpan<byte> value)
    {
        int padded = Stun.Pad4(value.Length);
        var result = new byte[message.Length + 4 + padded];
        message.CopyTo(result, 0);
        result[message.Length] = (byte)(type >> 8);
        result[message.Length + 1] = (byte)type;
        result[message.Length + 2] = (byte)(value.Length >> 8);
        result[message.Length + 3] = (byte)value.Length;
        value.CopyTo(result.AsSpan(message.Length + 4));
        int body = result.Length - Stun.HeaderLength;
        result[2] = (byte)(body >> 8);
        result[3] = (byte)body;
        return result;
    }
}
