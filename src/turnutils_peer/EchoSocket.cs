using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Turn.Utils.Peer.Native;

namespace Turn.Utils.Peer;

/// <summary>
/// One bound UDP socket and the thread that echoes everything it receives back to the sender. On 64-bit Linux
/// the thread moves batches: a blocking recvmmsg (MSG_WAITFORONE: returns as soon as one datagram is there, with
/// up to <see cref="Batch"/> of those queued) and one sendmmsg of the same buffers back to their sources. Elsewhere
/// it uses SocketAddress-based ReceiveFrom/SendTo. Neither path allocates per datagram. With UDP GSO (Linux 4.18+,
/// unless --no-gso), the datagrams of a batch that go back to the same source with the same size leave in one
/// sendmsg that the kernel cuts into the original datagrams: about half the cost per echoed datagram.
/// </summary>
internal sealed unsafe class EchoSocket
{
    public const int Batch = 64;
    private const int SlotSize = 65_536;
    private const int NameSize = 128;
    private const int BufferBytes = 8 * 1024 * 1024;

    private readonly Socket _socket;
    private readonly bool _verbose;
    private long _echoed;
    private bool _gso;

    private EchoSocket(Socket socket, bool verbose, bool gso)
    {
        _socket = socket;
        _verbose = verbose;
        _gso = gso;
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    public long Echoed => Interlocked.Read(ref _echoed);

    /// <summary>Creates and binds the socket (IPv6 sockets are v6-only so that "::" and "0.0.0.0" coexist).</summary>
    /// <exception cref="SocketException">The bind failed.</exception>
    public static EchoSocket Open(IPAddress address, int port, string? device, bool verbose, bool gso = true)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (address.AddressFamily == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = false;
            }

            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            SetBuffers(socket);
            if (device is not null)
            {
                BindToDevice(socket, device);
            }

            socket.Bind(new IPEndPoint(address, port));
            return new EchoSocket(socket, verbose, gso);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Starts the echo thread (a background thread: the process ends when Main returns).</summary>
    public Thread Start()
    {
        var thread = new Thread(Run)
        {
            IsBackground = true,
            Name = $"echo {LocalEndPoint}",
        };
        thread.Start();
        return thread;
    }

    private void Run()
    {
        try
        {
            if (Libc.Usable)
            {
                RunBatched();
            }
            else
            {
                RunPortable();
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            if (_verbose)
            {
                Console.Error.WriteLine($"turnutils_peer: {LocalEndPoint}: {e.Message}");
            }
        }
    }

    private void RunBatched()
    {
        int fd = (int)_socket.Handle;
        byte* slots = (byte*)NativeMemory.Alloc((nuint)(Batch * SlotSize));
        byte* names = (byte*)NativeMemory.AllocZeroed((nuint)(Batch * NameSize));
        var iov = (Libc.IoVec*)NativeMemory.AllocZeroed((nuint)(Batch * sizeof(Libc.IoVec)));
        var headers = (Libc.MMsgHdr*)NativeMemory.AllocZeroed((nuint)(Batch * sizeof(Libc.MMsgHdr)));
        var singles = (Libc.MMsgHdr*)NativeMemory.AllocZeroed((nuint)(Batch * sizeof(Libc.MMsgHdr)));
        var runIov = (Libc.IoVec*)NativeMemory.AllocZeroed((nuint)(Batch * sizeof(Libc.IoVec)));
        var run = (Libc.MMsgHdr*)NativeMemory.AllocZeroed((nuint)sizeof(Libc.MMsgHdr));
        byte* control = (byte*)NativeMemory.AllocZeroed(24);
        int* group = stackalloc int[Batch];       // datagram -> its group's first datagram
        int* next = stackalloc int[Batch];        // chain of the datagrams of a group, -1 ends
        int* heads = stackalloc int[Batch];
        *(nuint*)control = 18;                    // cmsg_len = CMSG_LEN(sizeof(uint16_t))
        *(int*)(control + 8) = Libc.SOL_UDP;
        *(int*)(control + 12) = Libc.UDP_SEGMENT;
        run->Control = control;
        run->ControlLength = 24;                  // CMSG_SPACE(sizeof(uint16_t))
        run->Iov = runIov;
        try
        {
            while (true)
            {
                for (int i = 0; i < Batch; i++)
                {
                    iov[i].Base = slots + ((long)i * SlotSize);
                    iov[i].Length = SlotSize;
                    headers[i].Name = names + (i * NameSize);
                    headers[i].NameLength = NameSize;
                    headers[i].Iov = iov + i;
                    headers[i].IovLength = 1;
                    headers[i].Control = null;
                    headers[i].ControlLength = 0;
                    headers[i].Flags = 0;
                }

                int n = Libc.recvmmsg(fd, headers, Batch, Libc.MSG_WAITFORONE, null);
                if (n <= 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (n < 0 && errno is Libc.EINTR or Libc.EAGAIN)
                    {
                        continue;
                    }

                    throw new SocketException(errno);
                }

                // Echo: the same buffers, each cut to what was received, back to the address it came from.
                for (int i = 0; i < n; i++)
                {
                    iov[i].Length = headers[i].Length;
                }

                if (_gso && n > 1)
                {
                    EchoGrouped(fd, headers, n, singles, run, control, group, next, heads);
                }
                else
                {
                    SendAll(fd, headers, n);
                }

                Interlocked.Add(ref _echoed, n);
            }
        }
        finally
        {
            NativeMemory.Free(slots);
            NativeMemory.Free(names);
            NativeMemory.Free(iov);
            NativeMemory.Free(headers);
            NativeMemory.Free(singles);
            NativeMemory.Free(runIov);
            NativeMemory.Free(run);
            NativeMemory.Free(control);
        }
    }

    /// <summary>
    /// Groups the batch by (source, length): a group of several datagrams goes back in one sendmsg with UDP GSO
    /// (the kernel cuts it into the original datagrams), the rest in one sendmmsg. Per source, order is kept.
    /// </summary>
    private void EchoGrouped(int fd, Libc.MMsgHdr* headers, int n, Libc.MMsgHdr* singles, Libc.MMsgHdr* run, byte* control,
        int* group, int* next, int* heads)
    {
        int groups = 0;
        for (int i = 0; i < n; i++)
        {
            next[i] = -1;
            group[i] = i;
            // Most batches are runs from a few sources: look at the most recent groups first.
            for (int g = groups - 1; g >= 0; g--)
            {
                int h = heads[g];
                if (headers[h].Length == headers[i].Length && headers[h].NameLength == headers[i].NameLength
                    && new ReadOnlySpan<byte>(headers[h].Name, (int)headers[h].NameLength).SequenceEqual(new ReadOnlySpan<byte>(headers[i].Name, (int)headers[i].NameLength)))
                {
                    group[i] = h;
                    break;
                }
            }

            if (group[i] == i)
            {
                heads[groups++] = i;
            }
            else
            {
                int tail = group[i];
                while (next[tail] >= 0)
                {
                    tail = next[tail];
                }

                next[tail] = i;
            }
        }

        int single = 0;
        for (int g = 0; g < groups; g++)
        {
            int h = heads[g];
            uint length = headers[h].Length;
            int maxRun = length == 0 ? 1 : (int)Math.Min(Batch, 65_000 / length);
            if (next[h] < 0 || maxRun < 2)
            {
                for (int i = h; i >= 0; i = next[i])
                {
                    singles[single++] = headers[i];
                }

                continue;
            }

            *(ushort*)(control + 16) = (ushort)length;
            run->Name = headers[h].Name;
            run->NameLength = headers[h].NameLength;
            int count = 0;
            for (int i = h; i >= 0; i = next[i])
            {
                run->Iov[count++] = *headers[i].Iov;
                if (count == maxRun || next[i] < 0)
                {
                    run->IovLength = (nuint)count;
                    if (!SendRun(fd, run))
                    {
                        // No GSO after all: send this run's datagrams one by one.
                        for (int k = 0; k < count; k++)
                        {
                            singles[single] = headers[h];
                            singles[single].Iov = run->Iov + k;
                            single++;
                        }

                        SendAll(fd, singles, single);
                        single = 0;
                    }

                    count = 0;
                }
            }
        }

        SendAll(fd, singles, single);
    }

    private bool SendRun(int fd, Libc.MMsgHdr* run)
    {
        while (true)
        {
            if (Libc.sendmsg(fd, run, 0) >= 0)
            {
                return true;
            }

            int errno = Marshal.GetLastPInvokeError();
            if (errno == Libc.EINTR)
            {
                continue;
            }

            if (errno is not (Libc.EAGAIN or Libc.ENOBUFS))
            {
                _gso = false;   // EINVAL/EIO/ENOPROTOOPT: the kernel has no UDP GSO; fall back
                return false;
            }

            return true;        // a full queue drops the run, as it would drop single datagrams
        }
    }

    private static void SendAll(int fd, Libc.MMsgHdr* headers, int n)
    {
        int sent = 0;
        while (sent < n)
        {
            int r = Libc.sendmmsg(fd, headers + sent, (uint)(n - sent), 0);
            if (r < 0)
            {
                if (Marshal.GetLastPInvokeError() == Libc.EINTR)
                {
                    continue;
                }

                sent++; // That datagram could not go (e.g. unreachable source): drop it, echo the rest.
                continue;
            }

            sent += r;
        }
    }

    private void RunPortable()
    {
        byte[] buffer = GC.AllocateArray<byte>(SlotSize, pinned: true);
        var from = new SocketAddress(_socket.AddressFamily);
        while (true)
        {
            int n;
            try
            {
                n = _socket.ReceiveFrom(buffer, SocketFlags.None, from);
                _socket.SendTo(buffer.AsSpan(0, n), SocketFlags.None, from);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.MessageSize
                                                or SocketError.HostUnreachable or SocketError.NetworkUnreachable)
            {
                continue;
            }

            Interlocked.Increment(ref _echoed);
        }
    }

    private static void SetBuffers(Socket socket)
    {
        int size = BufferBytes;
        int fd = (int)socket.Handle;
        // As root, the *FORCE variants pass net.core.[rw]mem_max; otherwise fall back to the capped ones.
        if (!Libc.Usable || Libc.setsockopt(fd, Libc.SOL_SOCKET, Libc.SO_RCVBUFFORCE, &size, sizeof(int)) != 0)
        {
            TryOption(socket, SocketOptionName.ReceiveBuffer, size);
        }

        if (!Libc.Usable || Libc.setsockopt(fd, Libc.SOL_SOCKET, Libc.SO_SNDBUFFORCE, &size, sizeof(int)) != 0)
        {
            TryOption(socket, SocketOptionName.SendBuffer, size);
        }
    }

    private static void TryOption(Socket socket, SocketOptionName name, int value)
    {
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, name, value);
        }
        catch (SocketException)
        {
        }
    }

    private static void BindToDevice(Socket socket, string device)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("-d (bind to device) needs Linux");
        }

        byte[] name = Encoding.ASCII.GetBytes(device + "\0");
        socket.SetRawSocketOption(Libc.SOL_SOCKET, Libc.SO_BINDTODEVICE, name);
    }
}
