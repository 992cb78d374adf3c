using System.Buffers;

namespace Turn.Server.Transports.TcpRelay;

/// <summary>
/// Bytes read from one side of a TCP relay connection and not yet written to the other: a fixed
/// capacity (from the pool), filled at the end and drained from the start. Its capacity is the
/// bound of that direction: when it is full the worker stops reading the source, so TCP flow
/// control slows the sender down instead of the server buffering without limit.
/// </summary>
internal sealed class RelayBuffer
{
    private byte[]? _data;
    private int _start;
    private int _end;

    public RelayBuffer(int capacity) => _data = ArrayPool<byte>.Shared.Rent(capacity);

    /// <summary>Bytes waiting.</summary>
    public int Count => _end - _start;

    public bool IsEmpty => _end == _start;

    public int Capacity => _data?.Length ?? 0;

    public bool IsFull => Count == Capacity;

    /// <summary>Where the next read may land (the free space at the end, after moving waiting bytes to the front if that makes room).</summary>
    public Span<byte> Free()
    {
        byte[] data = _data ?? throw new ObjectDisposedException(nameof(RelayBuffer));
        if (_start > 0 && _end == data.Length)
        {
            data.AsSpan(_start, _end - _start).CopyTo(data);
            _end -= _start;
            _start = 0;
        }

        return data.AsSpan(_end);
    }

    /// <summary><paramref name="count"/> bytes were written into <see cref="Free"/>.</summary>
    public void Commit(int count) => _end += count;

    /// <summary>The waiting bytes, oldest first.</summary>
    public ReadOnlySpan<byte> Waiting => _data.AsSpan(_start, _end - _start);

    /// <summary><paramref name="count"/> waiting bytes were written out.</summary>
    public void Consume(int count)
    {
        _start += count;
        if (_start == _end)
        {
            _start = 0;
            _end = 0;
        }
    }

    /// <summary>Appends as much of <paramref name="bytes"/> as fits; returns how much did.</summary>
    public int Append(ReadOnlySpan<byte> bytes)
    {
        Span<byte> free = Free();
        int n = Math.Min(free.Length, bytes.Length);
        bytes[..n].CopyTo(free);
        _end += n;
        return n;
    }

    /// <summary>Gives the memory back to the pool (the buffer is unusable afterwards).</summary>
    public void Release()
    {
        if (_data is not null)
        {
            ArrayPool<byte>.Shared.Return(_data);
            _data = null;
            _start = 0;
            _end = 0;
        }
    }
}
