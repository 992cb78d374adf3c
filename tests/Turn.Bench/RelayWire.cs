using System.Buffers.Binary;

namespace Turn.Bench;

/// <summary>
/// The relay benchmark's datagrams. A client sends ChannelData (4-byte header + payload) to the server, the
/// server relays the payload to the generator's echo peer, the peer sends it back unchanged, the server relays
/// it to the client as ChannelData again. The payload's first <see cref="MinPayload"/> bytes identify it:
/// <code>
///   0  u32 run nonce        4  u16 client   6  u16 slot (window mode)
///   8  u32 phase/trial id  12  u32 slot generation (window mode)
///  16  i64 Stopwatch timestamp of the send
/// </code>
/// the rest is zero. All fields are little-endian (only the generator reads them).
/// </summary>
internal static class RelayWire
{
    public const int MinPayload = 24;
    public const ushort Channel = 0x4000;
    public const int ChannelHeader = 4;

    public static void WriteChannelHeader(Span<byte> dest, int payload)
    {
        BinaryPrimitives.WriteUInt16BigEndian(dest, Channel);
        BinaryPrimitives.WriteUInt16BigEndian(dest[2..], (ushort)payload);
    }

    public static void WritePayloadHead(Span<byte> payload, uint nonce, int client, int slot, uint trial, uint gen, long timestamp)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(payload, nonce);
        BinaryPrimitives.WriteUInt16LittleEndian(payload[4..], (ushort)client);
        BinaryPrimitives.WriteUInt16LittleEndian(payload[6..], (ushort)slot);
        BinaryPrimitives.WriteUInt32LittleEndian(payload[8..], trial);
        BinaryPrimitives.WriteUInt32LittleEndian(payload[12..], gen);
        BinaryPrimitives.WriteInt64LittleEndian(payload[16..], timestamp);
    }

    public static uint Nonce(ReadOnlySpan<byte> payload) => BinaryPrimitives.ReadUInt32LittleEndian(payload);
    public static int Client(ReadOnlySpan<byte> payload) => BinaryPrimitives.ReadUInt16LittleEndian(payload[4..]);
    public static int Slot(ReadOnlySpan<byte> payload) => BinaryPrimitives.ReadUInt16LittleEndian(payload[6..]);
    public static uint Trial(ReadOnlySpan<byte> payload) => BinaryPrimitives.ReadUInt32LittleEndian(payload[8..]);
    public static uint Gen(ReadOnlySpan<byte> payload) => BinaryPrimitives.ReadUInt32LittleEndian(payload[12..]);
    public static long Timestamp(ReadOnlySpan<byte> payload) => BinaryPrimitives.ReadInt64LittleEndian(payload[16..]);
}
