using System.Collections.Concurrent;
using Org.BouncyCastle.Crypto.Tls;

namespace Turn.Server.Dtls.Bc;

/// <summary>
/// BouncyCastle's blocking <see cref="DatagramTransport"/> over a queue: the relay worker that
/// owns the client posts copies of its datagrams (<see cref="Offer"/>, never blocks); the
/// handshake thread takes them one record at a time. Outgoing records go straight to the
/// client through an <see cref="IDtlsDatagramSender"/>.
/// <para>
/// Two rewrites on the way out: epoch-0 records are numbered from the record sequence number of
/// the cookie-bearing ClientHello (as OpenSSL's stateless listener does; the HelloVerifyRequest
/// already used the first ClientHello's number, and a client's anti-replay window must not see
/// it again), and the final flight (ChangeCipherSpec, Finished) is kept to answer a client that
/// retransmits its last flight after the handshake (RFC 6347 §4.2.4).
/// </para>
/// </summary>
internal sealed class QueueDatagramTransport : DatagramTransport
{
    /// <summary>Datagrams waiting beyond this are dropped (a handshake needs a handful).</summary>
    public const int MaxQueued = 64;

    private const int MaxRecord = DtlsWire.RecordHeaderLength + DtlsWire.MaxPlaintext + 2048;

    private readonly ConcurrentQueue<byte[]> _queue = new();
    private readonly SemaphoreSlim _available = new(0);
    private readonly IDtlsDatagramSender _sender;
    private readonly ulong _epoch0Base;
    private readonly long _deadlineMs;
    private readonly List<byte[]> _finalFlight = [];
    private byte[]? _current;
    private int _currentOffset;
    private int _queued;
    private volatile bool _closed;
    private bool _capturing;
    private long _maxEpoch1Sequence = -1;

    public QueueDatagramTransport(IDtlsDatagramSender sender, ulong epoch0Base, long deadlineMs, int sendLimit)
    {
        _sender = sender;
        _epoch0Base = epoch0Base;
        _deadlineMs = deadlineMs;
        SendLimit = sendLimit;
    }

    public int SendLimit { get; }

    /// <summary>Largest epoch-1 record sequence number BouncyCastle sent (-1: none).</summary>
    public long MaxEpoch1Sequence => _maxEpoch1Sequence;

    public IReadOnlyList<byte[]> FinalFlight => _finalFlight;

    public bool IsClosed => _closed;

    /// <summary>Queues a copy of a datagram from the client (worker thread). False when full or closed.</summary>
    public bool Offer(ReadOnlySpan<byte> datagram)
    {
        if (_closed || Interlocked.Increment(ref _queued) > MaxQueued)
        {
            Interlocked.Decrement(ref _queued);
            return false;
        }

        _queue.Enqueue(datagram.ToArray());
        _available.Release();
        return true;
    }

    /// <summary>Datagrams still queued when the handshake ended (the worker handles them next).</summary>
    public bool TryTakeQueued(out byte[] datagram)
    {
        if (_queue.TryDequeue(out datagram!))
        {
            Interlocked.Decrement(ref _queued);
            return true;
        }

        return false;
    }

    /// <summary>From here on the records sent are the final flight.</summary>
    public void BeginFinalFlight() => _capturing = true;

    public int GetReceiveLimit() => MaxRecord;

    public int GetSendLimit() => SendLimit;

    public int Receive(byte[] buf, int off, int len, int waitMillis)
    {
        long until = Math.Min(Environment.TickCount64 + Math.Max(waitMillis, 0), _deadlineMs);
        while (true)
        {
            if (_closed)
            {
                throw new DtlsHandshakeAbortedException("closed");
            }

            if (_current is not null && TryNextRecord(buf, off, len, out int length))
            {
                return length;
            }

            if (_queue.TryDequeue(out byte[]? datagram))
            {
                Interlocked.Decrement(ref _queued);
                _current = datagram;
                _currentOffset = 0;
                continue;
            }

            long now = Environment.TickCount64;
            if (now >= _deadlineMs)
            {
                throw new DtlsHandshakeAbortedException("timed out");
            }

            if (now >= until)
            {
                return -1; // BouncyCastle retransmits its last flight and waits again
            }

            _available.Wait((int)(until - now));
        }
    }

    public void Send(byte[] buf, int off, int len)
    {
        if (_closed || len < DtlsWire.RecordHeaderLength)
        {
            return;
        }

        Span<byte> record = buf.AsSpan(off, len);
        ushort epoch = (ushort)((record[3] << 8) | record[4]);
        ulong sequence = DtlsWire.ReadUInt48(record[5..]);
        if (epoch == 0)
        {
            // Plaintext epoch: the number is not authenticated, so it can be moved.
            DtlsWire.WriteUInt48(record[5..], _epoch0Base + sequence);
        }
        else if ((long)sequence > _maxEpoch1Sequence)
        {
            _maxEpoch1Sequence = (long)sequence;
        }

        if (_capturing)
        {
            _finalFlight.Add(record.ToArray());
        }

        _sender.SendDatagram(record);
    }

    public void Close()
    {
        _closed = true;
        _available.Release();
    }

    /// <summary>The next whole record of the current datagram into <paramref name="buf"/>; false when it has no more.</summary>
    private bool TryNextRecord(byte[] buf, int off, int len, out int length)
    {
        length = 0;
        while (_current is not null)
        {
            ReadOnlySpan<byte> rest = _current.AsSpan(_currentOffset);
            if (!DtlsWire.TryReadRecord(rest, out _, out int recordLength))
            {
                _current = null; // nothing more, or a truncated record: the rest is unusable
                return false;
            }

            _currentOffset += recordLength;
            if (recordLength <= len)
            {
                rest[..recordLength].CopyTo(buf.AsSpan(off));
                length = recordLength;
                return true;
            }
        }

        return false;
    }
}

/// <summary>The handshake's transport was closed (session ended) or its deadline passed.</summary>
internal sealed class DtlsHandshakeAbortedException(string message) : Exception(message);
