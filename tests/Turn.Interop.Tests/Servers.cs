using System.Net;
using System.Net.Sockets;

namespace Turn.Interop.Tests;

/// <summary>Starts our bin/turnserver or coturn's on 127.0.0.1 with private files and a free port.</summary>
internal static class Servers
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);

    /// <summary>Our server on 127.0.0.1 port 0; the port is read from its "listening on UDP" line.</summary>
    /// <remarks>
    /// With port 0 the kernel picks a free UDP port and TCP must then bind the same number, which an
    /// outgoing TCP connection of a parallel test may hold: that start is retried (bounded).
    /// </remarks>
    public static (RunningProcess Process, int Port) StartOurs(params string[] extraArgs)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return StartOursOnce(extraArgs);
            }
            catch (InvalidOperationException e) when (attempt < 5 && e.Message.Contains("already in use", StringComparison.Ordinal))
            {
            }
        }
    }

    private static (RunningProcess Process, int Port) StartOursOnce(string[] extraArgs)
    {
        string dir = TempDir();
        var args = new List<string>
        {
            "-n", "--listening-ip=127.0.0.1", "--listening-port=0", "--log-file=stdout",
            $"--pidfile={Path.Combine(dir, "turnserver.pid")}", "--no-tls", "--no-dtls", "--no-cli",
            // coturn 4.6.1's turnutils_uclient binds channels anywhere in 0x4000-0x7FFF; RFC 8656 (our default) allows
            // only 0x4000-0x4FFF. A test may still pass --rfc5766-channel-numbers=false after this.
            "--rfc5766-channel-numbers",
        };
        args.AddRange(extraArgs);
        RunningProcess p = RunningProcess.Start(RepoPaths.Bin("turnserver"), args, dir);
        try
        {
            int port = int.Parse(p.WaitForLine(@"listening on UDP 127\.0\.0\.1:(\d+)", StartTimeout).Groups[1].Value);
            p.WaitForLine("is listening", StartTimeout);
            return (p, port);
        }
        catch
        {
            p.Dispose();
            throw;
        }
    }

    /// <summary>coturn 4.6.1 on 127.0.0.1 with its own pid file, SQLite file and relay ports; ready when it answers a Binding.</summary>
    public static (RunningProcess Process, int Port) StartCoturn(params string[] extraArgs)
    {
        string dir = TempDir();
        int port = FreePort();
        var args = new List<string>
        {
            "-n", "--no-cli", "--listening-ip=127.0.0.1", $"--listening-port={port}", "--log-file=stdout",
            $"--pidfile={Path.Combine(dir, "turnserver.pid")}", $"--userdb={Path.Combine(dir, "turndb")}",
            "--no-tls", "--no-dtls", "--min-port=64100", "--max-port=64999",
        };
        args.AddRange(extraArgs);
        RunningProcess p = RunningProcess.Start(RepoPaths.Coturn("turnserver"), args, dir);
        try
        {
            WaitForBinding(port, StartTimeout);
            return (p, port);
        }
        catch
        {
            p.Dispose();
            throw;
        }
    }

    /// <summary>A port free for both UDP and TCP on 127.0.0.1 right now.</summary>
    public static int FreePort()
    {
        for (int attempt = 0; attempt < 50; attempt++)
        {
            using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            int port = ((IPEndPoint)udp.LocalEndPoint!).Port;
            using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                tcp.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
            }
        }

        throw new InvalidOperationException("no free port found");
    }

    /// <summary>Polls with Binding requests (bounded) until the server answers.</summary>
    public static void WaitForBinding(int port, TimeSpan timeout)
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.ReceiveTimeout = 100;
        byte[] request = RawStun.BindingRequest(out _);
        byte[] buffer = new byte[1500];
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            s.SendTo(request, new IPEndPoint(IPAddress.Loopback, port));
            try
            {
                if (s.Receive(buffer) >= 20)
                {
                    return;
                }
            }
            catch (SocketException)
            {
            }
        }

        throw new TimeoutException($"no STUN answer on 127.0.0.1:{port} within {timeout}");
    }

    public static string TempDir()
    {
        string dir = Path.Combine(Path.GetTempPath(), "turn-interop-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        return dir;
    }
}

/// <summary>Hand-built STUN bytes, independent of our codec, so interop tests do not test it with itself.</summary>
internal static class RawStun
{
    public static byte[] BindingRequest(out byte[] transactionId)
    {
        transactionId = new byte[12];
        Random.Shared.NextBytes(transactionId);
        byte[] m = new byte[20];
        m[1] = 0x01;                     // Binding request
        m[4] = 0x21; m[5] = 0x12; m[6] = 0xA4; m[7] = 0x42; // magic cookie
        transactionId.CopyTo(m, 8);
        return m;
    }
}
