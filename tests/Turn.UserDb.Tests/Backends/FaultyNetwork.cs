using System.Net;
using System.Net.Sockets;

namespace Turn.UserDb.Tests.Backends;

/// <summary>
/// A loopback TCP proxy in front of a real database server, to make it "go down" under an open client: <see cref="Hang"/>
/// stops passing bytes (the server seems to hang: connections stay open, nothing is answered), <see cref="Kill"/>
/// resets every connection and stops listening (the server is gone: new connections are refused).
/// </summary>
internal sealed class TcpProxy : IDisposable
{
    private readonly TcpListener _listener;
    private readonly IPEndPoint _target;
    private readonly List<Socket> _sockets = [];
    private readonly CancellationTokenSource _stop = new();
    private volatile bool _hung;

    public TcpProxy(int targetPort)
    {
        _target = new IPEndPoint(IPAddress.Loopback, targetPort);
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _ = AcceptLoopAsync();
    }

    public int Port { get; }

    public void Hang() => _hung = true;

    /// <summary>Passes bytes again on new connections (the ones that were hung have lost bytes and stay useless).</summary>
    public void Resume()
    {
        _hung = false;
        lock (_sockets)
        {
            foreach (Socket s in _sockets)
            {
                try
                {
                    s.Close();
                }
                catch (ObjectDisposedException)
                {
                }
            }

            _sockets.Clear();
        }
    }

    public void Kill()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_sockets)
        {
            foreach (Socket s in _sockets)
            {
                try
                {
                    s.LingerState = new LingerOption(true, 0); // RST, as a crashed host's kernel would send
                    s.Close();
                }
                catch (ObjectDisposedException)
                {
                }
            }

            _sockets.Clear();
        }
    }

    public void Dispose()
    {
        Kill();
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            lock (_sockets)
            {
                _sockets.Add(client);
                _sockets.Add(server);
            }

            _ = Task.Run(async () =>
            {
                try
                {
                    if (_hung)
                    {
                        await PumpAsync(client, null); // swallow whatever the client says
                        return;
                    }

                    await server.ConnectAsync(_target, _stop.Token);
                    await Task.WhenAny(PumpAsync(client, server), PumpAsync(server, client));
                }
                catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                }
                finally
                {
                    client.Dispose();
                    server.Dispose();
                }
            });
        }
    }

    private async Task PumpAsync(Socket from, Socket? to)
    {
        byte[] buffer = new byte[16384];
        try
        {
            while (true)
            {
                int n = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (n == 0)
                {
                    return;
                }

                if (!_hung && to is not null)
                {
                    await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, _stop.Token);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }
}

/// <summary>A port where a TCP handshake completes but nothing is ever said (a hung server, a stuck firewall).</summary>
internal sealed class SilentListener : IDisposable
{
    private readonly Socket _socket;

    public SilentListener()
    {
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _socket.Listen(64); // never accepted: the kernel completes the handshakes, the backlog holds them
        Port = ((IPEndPoint)_socket.LocalEndPoint!).Port;
    }

    public int Port { get; }

    public void Dispose() => _socket.Dispose();
}

/// <summary>A loopback port with nothing listening (connections refused at once).</summary>
internal static class ClosedPort
{
    public static int Get()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port; // free again once closed
    }
}
