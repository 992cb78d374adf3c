using System.Buffers;
using System.Collections.Concurrent;
using Turn.Protocol;
using Turn.Server.Engine;
using Turn.Server.Transports.Tls;

namespace Turn.Server.Transports;

/// <summary>
/// The TLS side of a worker: connections whose handshake is done (on the thread pool) are
/// adopted here; their decrypted frames arrive through a queue of pooled buffers drained on the
/// worker's thread (no closure, no copy per frame), so the engine is only ever called by its
/// worker. Answers go to the connection's bounded output queue.
/// </summary>
public sealed unsafe partial class RelayWorker
{
    /// <summary>Buffers handled per wake-up before the worker looks at its sockets again.</summary>
    private const int TlsDrainBudget = 512;

    private readonly ConcurrentQueue<TlsInbound> _tlsInbox = new();
    private readonly Stack<int> _freeTlsIds = new();
    private TlsConnection?[] _tls = new TlsConnection?[16];
    private int _nextTlsId;
    private int _tlsCount;

    /// <summary>TLS connections this worker serves (read from other threads for statistics only).</summary>
    public int TlsConnectionCount => Volatile.Read(ref _tlsCount);

    /// <summary>Takes over a TLS connection after its handshake (any thread); <paramref name="onClosed"/> runs when it ends.</summary>
    internal void AdoptTls(TlsConnection connection, Action onClosed) => Post(() => AddTls(connection, onClosed));

    /// <summary>
    /// From a connection's read loop: <paramref name="buffer"/> (pooled; the worker returns it)
    /// holds complete frames in its first <paramref name="length"/> bytes; null = the connection ended.
    /// </summary>
    internal void PostTls(TlsConnection connection, byte[]? buffer, int length)
    {
        _tlsInbox.Enqueue(new TlsInbound(connection, buffer, length));
        Wake();
    }

    private void AddTls(TlsConnection c, Action onClosed)
    {
        if (_stopping)
        {
            c.Discard();
            onClosed();
            return;
        }

        int id = _freeTlsIds.Count > 0 ? _freeTlsIds.Pop() : _nextTlsId++;
        if (id >= _tls.Length)
        {
            Array.Resize(ref _tls, _tls.Length * 2);
        }

        c.Context = new PacketContext(c.Client, c.Local, TransportKind.Tls, id);
        c.AdoptedAtMs = Environment.TickCount64;
        c.LastMessageMs = Environment.TickCount64;
        c.OnClosed = onClosed;
        _tls[id] = c;
        Interlocked.Increment(ref _tlsCount);
        c.Start();
    }

    private void DrainTls(TurnEngine engine)
    {
        for (int budget = TlsDrainBudget; budget > 0; budget--)
        {
            if (!_tlsInbox.TryDequeue(out TlsInbound item))
            {
                return;
            }

            TlsConnection c = item.Connection;
            if (item.Buffer is not { } buffer)
            {
                try
                {
                    CloseTls(engine, c);
                }
                catch (Exception e)
                {
                    _log.Error($"worker {_thread.Name}: closing the TLS connection from {c.Client}: {e}");
                }

                continue;
            }

            try
            {
                if (IsCurrent(c))
                {
                    c.LastMessageMs = engine.NowMs; // the read loop posts whole messages only
                    DeliverFrames(engine, c, buffer.AsSpan(0, item.Length));
                    if (IsCurrent(c))
                    {
                        c.ReleaseBindPause(buffer); // still a STUN connection: a ConnectionBind in this buffer did not bind it (RFC 6062)
                    }
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
                c.Delivered(item.Length);
            }
        }

        if (!_tlsInbox.IsEmpty)
        {
            Wake(); // more next round; the sockets get their turn first
        }
    }

    /// <summary>Every frame of a posted buffer to the engine, in place (the read loop framed them already).</summary>
    private void DeliverFrames(TurnEngine engine, TlsConnection c, ReadOnlySpan<byte> frames)
    {
        int offset = 0;
        PacketContext context = c.Context;
        while (offset < frames.Length && IsCurrent(c))
        {
            StreamFrameKind kind = StreamFraming.GetFrame(frames[offset..], out int length);
            if (kind is StreamFrameKind.NeedMore or StreamFrameKind.Invalid)
            {
                return; // cannot happen: the read loop posts complete frames only
            }

            try
            {
                engine.OnClientPacket(frames.Slice(offset, length), context);
            }
            catch (Exception e)
            {
                _log.Error($"worker {_thread.Name}: TLS frame from {c.Client}: {e}");
            }

            offset += length;
        }
    }

    private bool IsCurrent(TlsConnection c)
    {
        int id = c.Context.SocketId;
        return (uint)id < (uint)_nextTlsId && ReferenceEquals(_tls[id], c);
    }

    private void TlsSend(in PacketContext client, ReadOnlySpan<byte> data)
    {
        int id = client.SocketId;
        if ((uint)id < (uint)_nextTlsId && _tls[id] is { } c && c.Client == client.Client)
        {
            c.Send(data);
        }
    }

    private void CloseTls(TurnEngine engine, TlsConnection c)
    {
        if (!IsCurrent(c))
        {
            c.Abort(); // already closed here (idle timeout, shutdown) or never adopted
            return;
        }

        int id = c.Context.SocketId;
        _tls[id] = null;
        _freeTlsIds.Push(id);
        Interlocked.Decrement(ref _tlsCount);
        c.Abort();
        try
        {
            engine.OnClientClosed(c.Context);
        }
        finally
        {
            c.OnClosed?.Invoke();
        }
    }

    /// <summary>The once-a-second sweep, as for plain TCP (<see cref="CloseIdleConnections"/>).</summary>
    private void CloseIdleTls(TurnEngine engine, long now)
    {
        for (int id = 0; id < _nextTlsId; id++)
        {
            if (_tls[id] is { } c && ClientTimeout(engine, c.Context, c.PartialSinceMs, c.LastMessageMs, c.AdoptedAtMs, now) is { } why)
            {
                if (_log.IsDebugEnabled)
                {
                    _log.Debug($"TLS connection from {c.Client} closed: {why}");
                }

                CloseTls(engine, c);
            }
        }
    }

    private void CloseAllTls(TurnEngine engine)
    {
        for (int id = 0; id < _nextTlsId; id++)
        {
            if (_tls[id] is { } c)
            {
                CloseTls(engine, c);
            }
        }

        while (_tlsInbox.TryDequeue(out TlsInbound item))
        {
            if (item.Buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(item.Buffer);
            }
        }
    }

    private readonly record struct TlsInbound(TlsConnection Connection, byte[]? Buffer, int Length);
}
