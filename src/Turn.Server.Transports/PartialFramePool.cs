using Turn.Protocol;

namespace Turn.Server.Transports;

/// <summary>
/// A worker's buffers for TCP messages that arrived in pieces (single-threaded: only the worker's thread uses it).
/// A connection holds one only while it has an incomplete message; it starts small and grows with the bytes
/// actually received (<see cref="SmallSize"/>, <see cref="MediumSize"/>, then <see cref="FullSize"/>), so a
/// client that announces a 64 KiB frame and sends 4 bytes of it makes the server hold 4 KiB, not 64.
/// Returned buffers are kept for reuse up to a fixed count per size, 256 KiB of each size per worker (steady-state
/// traffic that splits messages allocates nothing); beyond that they are left to the GC, so a burst of slow
/// senders does not leave its memory behind.
/// </summary>
internal sealed class PartialFramePool
{
    public const int SmallSize = 4 * 1024;
    public const int MediumSize = 16 * 1024;

    /// <summary>The largest frame: a STUN message (20 + 65535) or padded ChannelData (4 + 65535 + 3).</summary>
    public const int FullSize = Stun.HeaderLength + ushort.MaxValue + 4;

    private const int KeptBytesPerSize = 256 * 1024;

    private readonly Stack<byte[]> _small = new();
    private readonly Stack<byte[]> _medium = new();
    private readonly Stack<byte[]> _full = new();

    private int _inUse;
    private long _heldBytes;

    /// <summary>Buffers handed out and not yet returned (read from other threads for statistics and tests).</summary>
    public int InUse => Volatile.Read(ref _inUse);

    /// <summary>The size of the buffers handed out and not yet returned (read from other threads).</summary>
    public long HeldBytes => Volatile.Read(ref _heldBytes);

    /// <summary>A buffer of at least <paramref name="bytes"/> (at most <see cref="FullSize"/>), in the smallest size that holds them.</summary>
    public byte[] Rent(int bytes)
    {
        Stack<byte[]> stack = StackFor(bytes, out int size);
        Volatile.Write(ref _inUse, _inUse + 1);
        Volatile.Write(ref _heldBytes, _heldBytes + size);
        return stack.TryPop(out byte[]? buffer) ? buffer : GC.AllocateUninitializedArray<byte>(size);
    }

    /// <summary>Takes back a buffer from <see cref="Rent"/>.</summary>
    public void Return(byte[] buffer)
    {
        Stack<byte[]> stack = StackFor(buffer.Length, out int size);
        Volatile.Write(ref _inUse, _inUse - 1);
        Volatile.Write(ref _heldBytes, _heldBytes - size);
        if (stack.Count < KeptBytesPerSize / size)
        {
            stack.Push(buffer);
        }
    }

    /// <summary>
    /// The size the buffer of a message of <paramref name="frameLength"/> bytes should have once it holds
    /// <paramref name="held"/>: the next size up when it is full, never more than the frame needs.
    /// </summary>
    public static int NextSize(int held, int frameLength) =>
        Math.Min(frameLength, held < SmallSize ? SmallSize : held < MediumSize ? MediumSize : FullSize);

    private Stack<byte[]> StackFor(int bytes, out int size)
    {
        if (bytes <= SmallSize)
        {
            size = SmallSize;
            return _small;
        }

        if (bytes <= MediumSize)
        {
            size = MediumSize;
            return _medium;
        }

        size = FullSize;
        return _full;
    }
}
