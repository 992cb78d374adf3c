using System.Runtime.InteropServices;
using Turn.Protocol;
using Turn.Server.Transports.Native;

namespace Turn.Server.Transports;

/// <summary>
/// Datagrams a worker sends during one pass over its ready sockets, gathered per socket and sent
/// with one sendmmsg. Consecutive sends to the same socket share the system call (typically the
/// ChannelData of several relays going to clients through one listener socket); a send to another
/// socket, a full batch, a datagram too large for a slot, or the end of the pass flushes. Not
/// thread-safe: one per worker, used only on its thread. Nothing is allocated per datagram.
/// </summary>
internal sealed unsafe class UdpSendBatch : IDisposable
{
    /// <summary>How many datagrams one sendmmsg carries at most.</summary>
    public const int Capacity = 32;

    /// <summary>Larger datagrams bypass the batch (after a flush, so the order is kept).</summary>
    public const int SlotSize = 2048;

    private readonly byte* _slots;
    private readonly Libc.MMsgHdr* _headers;
    private readonly Libc.IoVec* _iovecs;
    private readonly byte* _names;
    private int _fd = -1;
    private int _count;
    private bool _disposed;

    public UdpSendBatch()
    {
        _slots = (byte*)NativeMemory.AlignedAlloc((nuint)(Capacity * SlotSize), 64);
        _headers = (Libc.MMsgHdr*)NativeMemory.AllocZeroed((nuint)(Capacity * sizeof(Libc.MMsgHdr)));
        _iovecs = (Libc.IoVec*)NativeMemory.AllocZeroed((nuint)(Capacity * sizeof(Libc.IoVec)));
        _names = (byte*)NativeMemory.AllocZeroed((nuint)(Capacity * SockAddr.MaxLength));
        for (int i = 0; i < Capacity; i++)
        {
            _iovecs[i].Base = _slots + (i * SlotSize);
            _headers[i].Name = _names + (i * SockAddr.MaxLength);
            _headers[i].Iov = _iovecs + i;
            _headers[i].IovLength = 1;
        }
    }

    /// <summary>Datagrams waiting for <see cref="Flush"/>.</summary>
    public int Pending => _count;

    /// <summary>Queues one datagram to <paramref name="to"/> on socket <paramref name="fd"/> (a copy is taken).</summary>
    public void Send(int fd, in StunAddress to, ReadOnlySpan<byte> data)
    {
        if (_count > 0 && fd != _fd)
        {
            Flush();
        }

        if (data.Length > SlotSize)
        {
            Flush();
            SendNow(fd, to, data);
            return;
        }

        int i = _count;
        data.CopyTo(new Span<byte>(_slots + (i * SlotSize), SlotSize));
        _iovecs[i].Length = (nuint)data.Length;
        _headers[i].NameLength = SockAddr.Write(to, _headers[i].Name);
        _fd = fd;
        _count = i + 1;
        if (_count == Capacity)
        {
            Flush();
        }
    }

    /// <summary>
    /// Sends what is queued. Never blocks: a full socket buffer drops the rest, as the network
    /// would; a datagram the kernel refuses (e.g. an unreachable destination) is skipped, and the
    /// ones after it still go out.
    /// </summary>
    public void Flush()
    {
        int sent = 0;
        while (sent < _count)
        {
            int n = Libc.sendmmsg(_fd, _headers + sent, (uint)(_count - sent), Libc.MSG_DONTWAIT);
            if (n > 0)
            {
                sent += n;
                continue;
            }

            int errno = n < 0 ? Marshal.GetLastPInvokeError() : 0;
            if (errno == Libc.EINTR)
            {
                continue;
            }

            if (errno == Libc.EAGAIN)
            {
                break;
            }

            sent++; // this one failed on its own: skip it
        }

        _count = 0;
    }

    private static void SendNow(int fd, in StunAddress to, ReadOnlySpan<byte> data)
    {
        byte* name = stackalloc byte[SockAddr.MaxLength];
        uint nameLength = SockAddr.Write(to, name);
        fixed (byte* p = data)
        {
            Libc.sendto(fd, p, (nuint)data.Length, Libc.MSG_DONTWAIT, name, nameLength);
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _count = 0;
        NativeMemory.AlignedFree(_slots);
        NativeMemory.Free(_headers);
        NativeMemory.Free(_iovecs);
        NativeMemory.Free(_names);
    }
}
