using System.Buffers;
using System.Net.Sockets;

namespace Turn.Server.Transports.Tls;

/// <summary>
/// The transport under a server SslStream. Reads pass through. Between <see cref="BeginBatch"/>
/// and <see cref="EndBatchAsync"/> the encrypted records SslStream writes are collected and then
/// sent with one socket write, so a burst of messages costs one system call while each message
/// still travels in its own TLS record, as coturn sends them (coturn's own turnutils_uclient
/// takes each SSL_read for exactly one message). Outside a batch (the handshake) writes pass through.
/// </summary>
internal sealed class RecordBatchingStream(NetworkStream inner) : Stream
{
    private const int InitialSize = 32 * 1024;

    private readonly Lock _lock = new();
    private byte[] _buffer = [];
    private int _length;
    private bool _batching;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>From now on records are collected (the connection's write loop only).</summary>
    public void BeginBatch()
    {
        lock (_lock)
        {
            _batching = true;
        }
    }

    /// <summary>Sends what was collected (also records SslStream wrote meanwhile from its read side) and ends the batch.</summary>
    public async ValueTask EndBatchAsync()
    {
        while (true)
        {
            byte[] pending;
            int length;
            lock (_lock)
            {
                if (_length == 0)
                {
                    _batching = false;
                    return;
                }

                (pending, length) = (_buffer, _length);
                (_buffer, _length) = ([], 0);
            }

            try
            {
                await inner.WriteAsync(pending.AsMemory(0, length)).ConfigureAwait(false);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(pending);
            }
        }
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (_batching)
            {
                Append(buffer.Span);
                return default;
            }
        }

        return inner.WriteAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        lock (_lock)
        {
            if (_batching)
            {
                Append(buffer);
                return;
            }
        }

        inner.Write(buffer);
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        inner.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        inner.ReadAsync(buffer, offset, count, cancellationToken);

    public override int Read(Span<byte> buffer) => inner.Read(buffer);

    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
            lock (_lock)
            {
                if (_buffer.Length > 0)
                {
                    ArrayPool<byte>.Shared.Return(_buffer);
                }

                (_buffer, _length, _batching) = ([], 0, false);
            }
        }

        base.Dispose(disposing);
    }

    private void Append(ReadOnlySpan<byte> data)
    {
        if (_buffer.Length - _length < data.Length)
        {
            byte[] bigger = ArrayPool<byte>.Shared.Rent(Math.Max(Math.Max(InitialSize, _buffer.Length * 2), _length + data.Length));
            _buffer.AsSpan(0, _length).CopyTo(bigger);
            if (_buffer.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
            }

            _buffer = bigger;
        }

        data.CopyTo(_buffer.AsSpan(_length));
        _length += data.Length;
    }
}
