using System.Buffers;

namespace Turn.Server.Transports.Tls;

/// <summary>
/// RFC 6062 on a TLS client connection. A ConnectionBind makes the connection a client data
/// connection: from then on its bytes are relayed as they are, not framed as STUN. The read loop
/// therefore stops after posting a ConnectionBind request and waits for the worker's verdict
/// (bound: raw; anything else: go on framing), so no byte after the request is framed by mistake.
/// Bound, the read loop posts what it decrypts to the worker as it comes (bounded by the same
/// in-flight limit as STUN frames), and what the worker sends goes out one TLS record per relayed
/// read, never dropped: the worker stops reading the peer while more than <see cref="RawPauseBytes"/>
/// wait here and is told (<see cref="RelayWorker.PostTlsDrained"/>) when the output has drained.
/// Before the bind the connection may also move once to the worker that owns the allocation.
/// </summary>
internal sealed partial class TlsConnection
{
    /// <summary>Bound: the worker stops reading the peer while this much relayed data waits to be encrypted and sent.</summary>
    public const int RawPauseBytes = 64 * 1024;

    /// <summary>Bound: the worker resumes reading the peer when the waiting data falls to this.</summary>
    public const int RawResumeBytes = 16 * 1024;

    private const int ModeStun = 0;
    private const int ModeRaw = 1;
    private const int ModeClosed = 2;

    private const int VerdictNone = 0;
    private const int VerdictPending = 1;

    private readonly AsyncSignal _bindVerdictSignal = new();
    private int _mode;
    private int _bindVerdict;
    private byte[]? _bindBuffer;

    // Output bookkeeping for raw mode (under _outLock).
    private int _stunChunks;
    private bool _drainWanted;
    private bool _closeWhenSent;

    /// <summary>The worker serving this connection (changes once at most, before a ConnectionBind is answered).</summary>
    public RelayWorker Worker => Volatile.Read(ref _worker);

    /// <summary>True once the connection is a client data connection (RFC 6062 §5.4).</summary>
    public bool IsRaw => Volatile.Read(ref _mode) == ModeRaw;

    /// <summary>The worker's handle of the TCP relay connection this data connection is bound to (worker thread).</summary>
    public int RawLink { get; set; } = -1;

    /// <summary>Relayed bytes waiting to be encrypted and sent (statistics; decisions use <see cref="TryWaitForDrain"/>).</summary>
    public int PendingBytes => Volatile.Read(ref _pendingBytes);

    /// <summary>STUN message type 0x000B: a ConnectionBind request.</summary>
    public static bool IsConnectionBindRequest(ReadOnlySpan<byte> frame) => frame.Length >= 2 && frame[0] == 0x00 && frame[1] == 0x0B;

    /// <summary>
    /// Hands the connection to <paramref name="worker"/> (the old worker has let go of it already).
    /// Its read loop is waiting for a ConnectionBind verdict, so nothing is posted meanwhile.
    /// </summary>
    public void MoveTo(RelayWorker worker) => Volatile.Write(ref _worker, worker);

    /// <summary>
    /// Worker: the ConnectionBind succeeded. The connection carries raw bytes from now on; what is
    /// queued (the ConnectionBind answer) still goes out first. False if the connection already closed.
    /// </summary>
    public bool EnterRaw(int link)
    {
        if (Interlocked.CompareExchange(ref _mode, ModeRaw, ModeStun) != ModeStun)
        {
            return false;
        }

        RawLink = link;
        lock (_outLock)
        {
            if (_tail is not null)
            {
                if (_tailUsed > 0)
                {
                    _out.Enqueue((_tail, _tailUsed));
                }
                else
                {
                    ArrayPool<byte>.Shared.Return(_tail);
                }

                _tail = null;
                _tailUsed = 0;
            }

            _stunChunks = _out.Count; // framed messages queued before the bind: one record per message still
        }

        Volatile.Write(ref _bindBuffer, null);
        Volatile.Write(ref _bindVerdict, VerdictNone);
        _bindVerdictSignal.Set();
        return true;
    }

    /// <summary>
    /// Worker: the ConnectionBind this connection sent did not bind it; go on reading STUN/TURN messages.
    /// With <paramref name="posted"/>, only if that posted buffer held the request (a buffer posted
    /// earlier says nothing about it); without, the request was handed over and has just run.
    /// </summary>
    public void ReleaseBindPause(byte[]? posted = null)
    {
        if (Volatile.Read(ref _bindVerdict) == VerdictPending
            && (posted is null || ReferenceEquals(posted, Volatile.Read(ref _bindBuffer))))
        {
            Volatile.Write(ref _bindBuffer, null);
            Volatile.Write(ref _bindVerdict, VerdictNone);
            _bindVerdictSignal.Set();
        }
    }

    /// <summary>
    /// Worker, bound: queues relayed bytes as their own TLS record(s). Never drops them; the caller keeps
    /// the output bounded with <see cref="TryWaitForDrain"/>. False when the connection's output is closed.
    /// </summary>
    public bool SendRaw(ReadOnlySpan<byte> data)
    {
        bool wake;
        lock (_outLock)
        {
            if (_outClosed)
            {
                return false;
            }

            byte[] chunk = ArrayPool<byte>.Shared.Rent(data.Length);
            data.CopyTo(chunk);
            _out.Enqueue((chunk, data.Length));
            _pendingBytes += data.Length;
            wake = !_writerBusy;
            _writerBusy = true;
        }

        if (wake)
        {
            _writeSignal.Set();
        }

        return true;
    }

    /// <summary>
    /// Worker, bound: true when more than <see cref="RawPauseBytes"/> wait to be sent; then the worker
    /// hears (PostTlsDrained) once no more than <see cref="RawResumeBytes"/> are left. False: send on.
    /// </summary>
    public bool TryWaitForDrain()
    {
        lock (_outLock)
        {
            if (_outClosed || _pendingBytes <= RawPauseBytes)
            {
                return false;
            }

            _drainWanted = true;
            return true;
        }
    }

    /// <summary>
    /// Worker, bound: the peer has finished sending; the connection closes once everything queued is
    /// written (then its read loop reports the end and the worker ends the link).
    /// </summary>
    public void CloseWhenSent()
    {
        lock (_outLock)
        {
            if (_writerBusy)
            {
                _closeWhenSent = true;
                return;
            }
        }

        Abort();
    }

    /// <summary>Write loop, under the output lock: everything queued is written.</summary>
    private void OnOutputIdle()
    {
        if (_closeWhenSent)
        {
            _closeWhenSent = false;
            Abort();
        }
    }

    /// <summary>Write loop, under the output lock, after taking a queued chunk: is it raw data? Tells a waiting worker about room.</summary>
    private bool TookRawChunk()
    {
        bool raw;
        if (_stunChunks > 0)
        {
            _stunChunks--;
            raw = false;
        }
        else
        {
            raw = Volatile.Read(ref _mode) == ModeRaw;
        }

        if (_drainWanted && _pendingBytes <= RawResumeBytes)
        {
            _drainWanted = false;
            Worker.PostTlsDrained(this);
        }

        return raw;
    }

    /// <summary>Read loop: <paramref name="buffer"/>, about to be posted, ends with a ConnectionBind request; nothing more is framed until the worker decides.</summary>
    private void BeginBindVerdict(byte[] buffer)
    {
        Volatile.Write(ref _bindBuffer, buffer);
        Volatile.Write(ref _bindVerdict, VerdictPending);
    }

    private async ValueTask WaitForBindVerdictAsync()
    {
        while (Volatile.Read(ref _bindVerdict) == VerdictPending && !IsAborted)
        {
            await _bindVerdictSignal.WaitAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Read loop of a bound data connection: decrypted bytes go to the worker as they come, bounded in flight.</summary>
    private async Task RawReadLoopAsync(byte[]? rest, int filled)
    {
        if (rest is not null)
        {
            if (filled > 0)
            {
                Interlocked.Add(ref _inflight, filled);
                Worker.PostTlsRaw(this, rest, filled); // read after the ConnectionBind request: data already
            }
            else
            {
                ArrayPool<byte>.Shared.Return(rest);
            }
        }

        while (!IsAborted)
        {
            await _ssl.ReadAsync(Memory<byte>.Empty).ConfigureAwait(false);
            byte[] buffer = ArrayPool<byte>.Shared.Rent(ReadSize);
            int n;
            try
            {
                n = await _ssl.ReadAsync(buffer).ConfigureAwait(false);
            }
            catch
            {
                ArrayPool<byte>.Shared.Return(buffer);
                throw;
            }

            if (n == 0)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                return;
            }

            int inflight = Interlocked.Add(ref _inflight, n);
            Worker.PostTlsRaw(this, buffer, n);
            if (inflight > MaxInflightBytes)
            {
                await WaitForWorkerAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Read loop, at its end: tells the worker, on the path that matches what the connection is (STUN or data).</summary>
    private void PostClosed()
    {
        if (Interlocked.CompareExchange(ref _mode, ModeClosed, ModeStun) == ModeStun)
        {
            Worker.PostTls(this, null, 0);
        }
        else
        {
            Worker.PostTlsRaw(this, null, 0);
        }
    }
}
