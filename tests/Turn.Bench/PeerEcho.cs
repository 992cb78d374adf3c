using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Turn.Bench;

/// <summary>
/// The peer end of the stream relay benchmark: one UDP socket per client, connected to that client's relayed
/// address once known, and one thread that sends every datagram straight back (epoll, recvmmsg into a batch,
/// sendmmsg of the same buffers). Counts the datagrams of the expected payload size and their bytes, which are
/// what the server relayed client → peer. Allocates nothing once started.
/// </summary>
internal sealed unsafe class PeerEcho : IDisposable
{
    private const int Batch = 64;
    private const int MaxEvents = 64;

    private readonly Socket[] _sockets;
    private readonly int[] _fds;
    private readonly int _payload;
    private readonly int _slot;
    private readonly int _epfd;
    private readonly byte* _buf;
    private readonly Native.IoVec* _iov;
    private readonly Native.MMsgHdr* _msgs;
    private readonly byte* _events;
    private Thread? _thread;
    private volatile bool _stop;
    private long _datagrams, _bytes, _foreign, _echoFailures;

    public PeerEcho(int count, int payload)
    {
        _payload = payload;
        _slot = Math.Max(2048, (payload + 64 + 63) & ~63);
        _sockets = new Socket[count];
        _fds = new int[count];
        _epfd = Native.EpollCreate1(0);
        if (_epfd < 0) throw new InvalidOperationException($"epoll_create1 failed: errno {Marshal.GetLastPInvokeError()}");
        for (int i = 0; i < count; i++)
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                s.ReceiveBufferSize = 1 << 20;
                s.SendBufferSize = 1 << 20;
            }
            catch (SocketException)
            {
                // capped by net.core.[rw]mem_max
            }
            s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _sockets[i] = s;
            _fds[i] = (int)s.Handle;
            Native.EpollAdd(_epfd, _fds[i], (ulong)i);
        }
        _buf = (byte*)NativeMemory.AllocZeroed((nuint)(Batch * _slot));
        _iov = (Native.IoVec*)NativeMemory.AllocZeroed((nuint)(Batch * sizeof(Native.IoVec)));
        _msgs = (Native.MMsgHdr*)NativeMemory.AllocZeroed((nuint)(Batch * sizeof(Native.MMsgHdr)));
        _events = (byte*)NativeMemory.AllocZeroed((nuint)(MaxEvents * Native.EpollEventSize));
    }

    public IPEndPoint EndPoint(int i) => (IPEndPoint)_sockets[i].LocalEndPoint!;

    /// <summary>Peer i answers only its client's relayed address (and the kernel drops anything else).</summary>
    public void ConnectTo(int i, IPEndPoint relayed) => _sockets[i].Connect(relayed);

    /// <summary>Datagrams of the expected payload size received so far (relayed client → peer), and their bytes.</summary>
    public long Datagrams => Volatile.Read(ref _datagrams);

    public long Bytes => Volatile.Read(ref _bytes);

    /// <summary>Datagrams of another size: not ours, or not relayed intact.</summary>
    public long Foreign => Volatile.Read(ref _foreign);

    public long EchoFailures => Volatile.Read(ref _echoFailures);

    public void Start()
    {
        _thread = new Thread(Loop) { IsBackground = true, Name = "peer echo" };
        _thread.Start();
    }

    private void Loop()
    {
        while (!_stop)
        {
            int n = Native.EpollWait(_epfd, _events, MaxEvents, 50);
            for (int e = 0; e < n; e++) Echo(_fds[(int)Native.EpollData(_events, e)]);
        }
    }

    private void Echo(int fd)
    {
        for (int round = 0; round < 8; round++)
        {
            for (int i = 0; i < Batch; i++)
            {
                _iov[i].Base = _buf + (i * _slot);
                _iov[i].Length = (nuint)_slot;
                _msgs[i].Header = default;
                _msgs[i].Header.Iov = &_iov[i];
                _msgs[i].Header.IovLength = 1;
            }
            int r = Native.RecvMMsg(fd, _msgs, Batch, Native.MSG_DONTWAIT, null);
            if (r <= 0) return;
            long good = 0;
            for (int i = 0; i < r; i++)
            {
                uint len = _msgs[i].Length;
                _iov[i].Length = len;
                if (len == (uint)_payload) good++;
            }
            _datagrams += good;
            _bytes += good * _payload;
            _foreign += r - good;
            int off = 0;
            while (off < r)
            {
                int k = Native.SendMMsg(fd, _msgs + off, (uint)(r - off), Native.MSG_DONTWAIT);
                if (k > 0)
                {
                    off += k;
                    continue;
                }
                if (k < 0 && Marshal.GetLastPInvokeError() == Native.EINTR) continue;
                _echoFailures += r - off; // the client's timeout scan re-sends what went missing
                break;
            }
            if (r < Batch) return;
        }
    }

    public void Dispose()
    {
        _stop = true;
        _thread?.Join(1000);
        foreach (Socket s in _sockets) s?.Dispose();
        if (_epfd >= 0) Native.Close(_epfd);
        NativeMemory.Free(_buf);
        NativeMemory.Free(_iov);
        NativeMemory.Free(_msgs);
        NativeMemory.Free(_events);
    }
}
