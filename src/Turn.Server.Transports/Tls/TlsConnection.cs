using System.Buffers;
using System.Net.Security;
using System.Net.Sockets;
using Turn.Protocol;

namespace Turn.Server.Transports.Tls;

/// <summary>
/// One client TLS connection after its handshake. Its bytes move on the thread pool (SslStream
/// is asynchronous); its STUN/TURN frames are handled by the owning relay worker on the worker's
/// thread, like every other packet of that worker.
/// <para>
/// In: a read loop decrypts into a pooled buffer, finds the complete frames (StreamFraming) and
/// posts the buffer, frames and all, to the worker, which hands each frame to the engine in place
/// and returns the buffer to the pool. Only an incomplete trailing frame is copied (to the next
/// buffer). When the worker falls behind by <see cref="MaxInflightBytes"/>, the read loop waits,
/// so a fast sender is slowed by TCP flow control instead of filling memory.
/// </para>
/// <para>
/// Out: the engine's answers and relayed data are appended (one copy) to pooled 16 KiB chunks; a
/// write loop encrypts each message into its own TLS record (as coturn does) and sends a chunk's
/// records with one socket write (<see cref="RecordBatchingStream"/>). Past <see cref="MaxPendingBytes"/>
/// waiting, whole messages are dropped, as for plain TCP.
/// </para>
/// </summary>
internal sealed partial class TlsConnection
{
    public const int MaxPendingBytes = TcpConnection.MaxPendingBytes;
    public const int MaxInflightBytes = 256 * 1024;
    private const int ChunkSize = 16 * 1024;
    private const int ReadSize = 16 * 1024;

    private readonly Socket _socket;
    private readonly SslStream _ssl;
    private readonly RecordBatchingStream _transport;
    private RelayWorker _worker; // changes once at most: RFC 6062 hand-over to the worker owning the allocation (TlsConnection.Raw.cs)
    private readonly IServerLog _log;

    // Output, shared between the worker (producer) and the write loop (consumer).
    private readonly Lock _outLock = new();
    private readonly Queue<(byte[] Chunk, int Length)> _out = new();
    private readonly AsyncSignal _writeSignal = new();
    private byte[]? _tail;
    private int _tailUsed;
    private int _pendingBytes;
    private bool _writerBusy;
    private bool _outClosed;

    // Input flow control, shared between the read loop and the worker.
    private readonly AsyncSignal _readResume = new();
    private int _inflight;
    private int _readerParked;

    private int _aborted;
    private long _partialSinceMs;

    public TlsConnection(Socket socket, SslStream ssl, RecordBatchingStream transport, RelayWorker worker, StunAddress client, StunAddress local, IServerLog log)
    {
        _socket = socket;
        _ssl = ssl;
        _transport = transport;
        _worker = worker;
        _log = log;
        Client = client;
        Local = local;
    }

    public StunAddress Client { get; }

    public StunAddress Local { get; }

    // ---- owned by the worker thread --------------------------------------------------------

    /// <summary>Set by the worker when it adopts the connection (SocketId = its TLS connection id).</summary>
    public PacketContext Context { get; set; }

    /// <summary>When a worker adopted the connection (its handshake done, or handed over): max-allocate-timeout counts from here.</summary>
    public long AdoptedAtMs { get; set; }

    /// <summary>When it was adopted or its last complete message was handled (the idle timeout counts from it).</summary>
    public long LastMessageMs { get; set; }

    /// <summary>
    /// When the first byte of the incomplete message the read loop holds arrived; 0 = none (written by
    /// the read loop, read by the worker's sweep, which closes the connection past the message deadline).
    /// </summary>
    public long PartialSinceMs => Volatile.Read(ref _partialSinceMs);

    public Action? OnClosed { get; set; }

    /// <summary>Messages dropped because the client did not read fast enough.</summary>
    public long DroppedMessages { get; private set; }

    public bool IsAborted => Volatile.Read(ref _aborted) != 0;

    /// <summary>Starts the read and write loops (called once, by the worker, after it registered the connection).</summary>
    public void Start() => ThreadPool.UnsafeQueueUserWorkItem(static c =>
    {
        _ = c.ReadLoopAsync();
        _ = c.WriteLoopAsync();
    }, this, preferLocal: false);

    /// <summary>Queues one whole message for the client (worker thread). Copies it; never blocks.</summary>
    public void Send(ReadOnlySpan<byte> message)
    {
        bool wake;
        lock (_outLock)
        {
            if (_outClosed)
            {
                return;
            }

            if (_pendingBytes + message.Length > MaxPendingBytes)
            {
                DroppedMessages++;
                return;
            }

            if (_tail is null || _tail.Length - _tailUsed < message.Length)
            {
                if (_tail is not null)
                {
                    _out.Enqueue((_tail, _tailUsed));
                }

                _tail = ArrayPool<byte>.Shared.Rent(Math.Max(ChunkSize, message.Length));
                _tailUsed = 0;
            }

            message.CopyTo(_tail.AsSpan(_tailUsed));
            _tailUsed += message.Length;
            _pendingBytes += message.Length;
            wake = !_writerBusy;
            _writerBusy = true;
        }

        if (wake)
        {
            _writeSignal.Set();
        }
    }

    /// <summary>The worker has handed <paramref name="bytes"/> posted bytes to the engine (any thread safe).</summary>
    public void Delivered(int bytes)
    {
        if (Interlocked.Add(ref _inflight, -bytes) <= MaxInflightBytes && Volatile.Read(ref _readerParked) != 0
            && Interlocked.Exchange(ref _readerParked, 0) == 1)
        {
            _readResume.Set();
        }
    }

    /// <summary>Closes the socket (any thread, idempotent): both loops end, the read loop reports the close to the worker.</summary>
    public void Abort()
    {
        if (Interlocked.Exchange(ref _aborted, 1) != 0)
        {
            return;
        }

        try
        {
            _socket.Dispose();
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }

        _writeSignal.Set();
        _readResume.Set();
        _bindVerdictSignal.Set();
    }

    /// <summary>Closes a connection whose loops never started (the worker was stopping).</summary>
    public void Discard()
    {
        Abort();
        _ssl.Dispose();
    }

    // ---- read loop -------------------------------------------------------------------------

    private async Task ReadLoopAsync()
    {
        byte[]? buffer = null;
        int filled = 0;
        bool frameFirst = false;
        try
        {
            while (!IsAborted)
            {
                if (IsRaw)
                {
                    // RFC 6062 §5.4: a bound client data connection carries bytes as they are, from now on.
                    byte[]? leftover = buffer;
                    buffer = null;
                    await RawReadLoopAsync(leftover, filled).ConfigureAwait(false);
                    return;
                }

                if (!frameFirst || buffer is null)
                {
                    if (buffer is null)
                    {
                        // Wait for data without holding a buffer: an idle connection keeps none.
                        await _ssl.ReadAsync(Memory<byte>.Empty).ConfigureAwait(false);
                        buffer = ArrayPool<byte>.Shared.Rent(ReadSize);
                    }

                    int n = await _ssl.ReadAsync(buffer.AsMemory(filled)).ConfigureAwait(false);
                    if (n == 0)
                    {
                        break; // the client closed (close_notify or FIN)
                    }

                    filled += n;
                }

                frameFirst = false;
                int consumed = 0;
                int needed = 0;
                bool bind = false;
                while (true)
                {
                    StreamFrameKind kind = StreamFraming.GetFrame(buffer.AsSpan(consumed, filled - consumed), out int length);
                    if (kind == StreamFrameKind.NeedMore)
                    {
                        needed = length;
                        break;
                    }

                    if (kind == StreamFrameKind.Invalid)
                    {
                        if (_log.IsDebugEnabled)
                        {
                            _log.Debug($"TLS connection from {Client}: the stream is not STUN/TURN; closing it");
                        }

                        return;
                    }

                    consumed += length;
                    if (kind == StreamFrameKind.Stun && IsConnectionBindRequest(buffer.AsSpan(consumed - length, length)))
                    {
                        bind = true; // what follows may be data for a peer (RFC 6062): framed only if it is not
                        break;
                    }
                }

                int rest = filled - consumed;
                if (rest == 0)
                {
                    Volatile.Write(ref _partialSinceMs, 0);
                }
                else if (consumed > 0 || Volatile.Read(ref _partialSinceMs) == 0)
                {
                    Volatile.Write(ref _partialSinceMs, Environment.TickCount64); // a new message began: its deadline starts
                }

                if (consumed > 0)
                {
                    byte[]? next = null;
                    if (rest > 0)
                    {
                        next = ArrayPool<byte>.Shared.Rent(Math.Max(ReadSize, needed));
                        buffer.AsSpan(consumed, rest).CopyTo(next);
                    }

                    byte[] full = buffer;
                    buffer = next;
                    filled = rest;
                    int inflight = Interlocked.Add(ref _inflight, consumed);
                    if (bind)
                    {
                        BeginBindVerdict(full);
                    }

                    Worker.PostTls(this, full, consumed);
                    if (inflight > MaxInflightBytes)
                    {
                        await WaitForWorkerAsync().ConfigureAwait(false);
                    }

                    if (bind)
                    {
                        await WaitForBindVerdictAsync().ConfigureAwait(false);
                        frameFirst = filled > 0;
                    }
                }
                else if (needed > buffer.Length)
                {
                    byte[] bigger = ArrayPool<byte>.Shared.Rent(needed);
                    buffer.AsSpan(0, filled).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidOperationException or OperationCanceledException
                                   or System.Security.Authentication.AuthenticationException)
        {
            if (_log.IsDebugEnabled && !IsAborted)
            {
                _log.Debug($"TLS connection from {Client}: {e.Message}");
            }
        }
        catch (Exception e)
        {
            _log.Error($"TLS connection from {Client}: read loop failed: {e}");
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            Abort();
            _ssl.Dispose();
            PostClosed(); // the worker ends the allocation (or the data connection) and frees the id
        }
    }

    private ValueTask WaitForWorkerAsync()
    {
        Interlocked.Exchange(ref _readerParked, 1);
        if (Volatile.Read(ref _inflight) > MaxInflightBytes)
        {
            return _readResume.WaitAsync(); // Delivered() or Abort() sets it
        }

        // The worker caught up meanwhile. Whoever clears the flag owns it: if the worker did, it
        // also set the signal, which must be consumed so it does not wake a later wait.
        return Interlocked.Exchange(ref _readerParked, 0) == 1 ? default : _readResume.WaitAsync();
    }

    // ---- write loop ------------------------------------------------------------------------

    private async Task WriteLoopAsync()
    {
        try
        {
            while (!IsAborted)
            {
                await _writeSignal.WaitAsync().ConfigureAwait(false);
                while (TryTake(out byte[]? chunk, out int length, out bool raw))
                {
                    try
                    {
                        _transport.BeginBatch();
                        int offset = 0;
                        if (raw)
                        {
                            // RFC 6062 data: one record per relayed read, as it came (TlsConnection.Raw.cs).
                            await _ssl.WriteAsync(chunk.AsMemory(0, length)).ConfigureAwait(false);
                            offset = length;
                        }

                        while (offset < length)
                        {
                            // One record per message: the chunk holds whole STUN/ChannelData frames back to back.
                            int size = StreamFraming.GetFrame(chunk.AsSpan(offset, length - offset), out int frame)
                                is StreamFrameKind.Stun or StreamFrameKind.ChannelData ? frame : length - offset;
                            await _ssl.WriteAsync(chunk.AsMemory(offset, size)).ConfigureAwait(false);
                            offset += size;
                        }
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(chunk);
                    }

                    await _transport.EndBatchAsync().ConfigureAwait(false);
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidOperationException or NotSupportedException)
        {
            if (_log.IsDebugEnabled && !IsAborted)
            {
                _log.Debug($"TLS connection from {Client}: write failed: {e.Message}");
            }

            Abort();
        }
        catch (Exception e)
        {
            _log.Error($"TLS connection from {Client}: write loop failed: {e}");
            Abort();
        }
        finally
        {
            ReleaseOutput();
        }
    }

    private bool TryTake(out byte[] chunk, out int length, out bool raw)
    {
        lock (_outLock)
        {
            raw = false;
            if (!_outClosed && !IsAborted)
            {
                if (_out.Count > 0)
                {
                    (chunk, length) = _out.Dequeue();
                    _pendingBytes -= length;
                    raw = TookRawChunk();
                    return true;
                }

                if (_tail is not null && _tailUsed > 0)
                {
                    (chunk, length) = (_tail, _tailUsed);
                    _tail = null;
                    _tailUsed = 0;
                    _pendingBytes -= length;
                    return true;
                }
            }

            _writerBusy = false;
            OnOutputIdle();
            chunk = [];
            length = 0;
            return false;
        }
    }

    private void ReleaseOutput()
    {
        lock (_outLock)
        {
            _outClosed = true;
            while (_out.TryDequeue(out (byte[] Chunk, int Length) item))
            {
                ArrayPool<byte>.Shared.Return(item.Chunk);
            }

            if (_tail is not null)
            {
                ArrayPool<byte>.Shared.Return(_tail);
                _tail = null;
            }

            _pendingBytes = 0;
        }
    }
}
