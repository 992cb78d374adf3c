using System.Net.Sockets;
using System.Runtime.InteropServices;
using Turn.Server.Transports.Native;

namespace Turn.Server.Transports.Tls;

/// <summary>
/// Waits, on one thread for the whole process, until new connections have something to read, each
/// within its own deadline. Nothing is read: the caller then peeks (MSG_PEEK) to tell TLS from
/// plain STUN/TURN. A connection that never speaks costs an epoll entry until its deadline, no
/// buffer, no thread and no worker time. The sockets are never used with .NET's asynchronous
/// operations here, so a plain TCP connection handed to a relay worker is watched by the worker's
/// epoll only (.NET's engine would otherwise be woken by its every packet too).
/// </summary>
internal sealed unsafe class FirstBytePoller
{
    private const int MaxEvents = 256;
    private const int TickMs = 50;

    private static readonly Lazy<FirstBytePoller> Instance = new(() => new FirstBytePoller());

    private readonly int _epoll;
    private readonly Lock _lock = new();
    private readonly Dictionary<int, Waiter> _waiting = [];
    private readonly Queue<Waiter> _byDeadline = new();

    private FirstBytePoller()
    {
        _epoll = Libc.epoll_create1(Libc.EPOLL_CLOEXEC);
        if (_epoll < 0)
        {
            throw new InvalidOperationException($"epoll_create1 failed: errno {Marshal.GetLastPInvokeError()}");
        }

        new Thread(Run) { IsBackground = true, Name = "first-byte" }.Start();
    }

    public static FirstBytePoller Shared => Instance.Value;

    /// <summary>
    /// Calls <paramref name="then"/> on the thread pool with true once <paramref name="socket"/> is
    /// readable (data, or the peer closed), or with false at <paramref name="deadlineMs"/> (Environment.TickCount64).
    /// </summary>
    public void Watch<TState>(Socket socket, long deadlineMs, TState state, Action<TState, bool> then)
    {
        int fd = (int)socket.Handle;
        var waiter = new Waiter<TState>(fd, deadlineMs, state, then);
        lock (_lock)
        {
            _waiting[fd] = waiter;
            _byDeadline.Enqueue(waiter);
        }

        Libc.EpollEvent ev = default;
        ev.Events = Libc.EPOLLIN | Libc.EPOLLRDHUP | EpollOneShot;
        Libc.SetEpollData(&ev, (ulong)(uint)fd);
        if (Libc.epoll_ctl(_epoll, Libc.EPOLL_CTL_ADD, fd, &ev) != 0)
        {
            // Cannot watch it: let the caller look now (its peek will tell what is there).
            if (TryRemove(fd, waiter))
            {
                waiter.Complete(true);
            }
        }
    }

    private const uint EpollOneShot = 1u << 30;

    private void Run()
    {
        byte* events = (byte*)NativeMemory.AllocZeroed((nuint)(MaxEvents * 16));
        var expired = new List<Waiter>();
        while (true)
        {
            int ready = Libc.epoll_wait(_epoll, events, MaxEvents, TickMs);
            for (int i = 0; i < ready; i++)
            {
                Libc.ReadEpollEvent(events, i, out _, out ulong data);
                int fd = (int)(uint)data;
                Waiter? waiter;
                lock (_lock)
                {
                    _waiting.Remove(fd, out waiter);
                }

                Unwatch(fd);
                waiter?.Complete(true);
            }

            long now = Environment.TickCount64;
            lock (_lock)
            {
                // Deadlines are reached in the order connections were watched (one timeout for all).
                while (_byDeadline.TryPeek(out Waiter? head) && (head.DeadlineMs <= now || head.Done))
                {
                    _byDeadline.Dequeue();
                    if (!head.Done && _waiting.TryGetValue(head.Fd, out Waiter? current) && current == head)
                    {
                        _waiting.Remove(head.Fd);
                        expired.Add(head);
                    }
                }
            }

            foreach (Waiter w in expired)
            {
                Unwatch(w.Fd);
                w.Complete(false);
            }

            expired.Clear();
        }
    }

    private bool TryRemove(int fd, Waiter waiter)
    {
        lock (_lock)
        {
            if (_waiting.TryGetValue(fd, out Waiter? current) && current == waiter)
            {
                _waiting.Remove(fd);
                return true;
            }

            return false;
        }
    }

    private void Unwatch(int fd)
    {
        Libc.EpollEvent ev = default;
        Libc.epoll_ctl(_epoll, Libc.EPOLL_CTL_DEL, fd, &ev);
    }

    private abstract class Waiter(int fd, long deadlineMs)
    {
        private int _done;

        public int Fd { get; } = fd;

        public long DeadlineMs { get; } = deadlineMs;

        public bool Done => Volatile.Read(ref _done) != 0;

        public void Complete(bool readable)
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                Schedule(readable);
            }
        }

        protected abstract void Schedule(bool readable);
    }

    private sealed class Waiter<TState>(int fd, long deadlineMs, TState state, Action<TState, bool> then) : Waiter(fd, deadlineMs)
    {
        protected override void Schedule(bool readable) =>
            ThreadPool.UnsafeQueueUserWorkItem(static s => s.Then(s.State, s.Readable), (Then: then, State: state, Readable: readable), preferLocal: false);
    }
}
