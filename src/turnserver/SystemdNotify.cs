using System.Net.Sockets;
using System.Text;

namespace Turn.Daemon;

/// <summary>sd_notify(3) without libsystemd: one datagram to $NOTIFY_SOCKET (Type=notify units).</summary>
internal static class SystemdNotify
{
    public static void Send(string state)
    {
        string? path = Environment.GetEnvironmentVariable("NOTIFY_SOCKET");
        if (string.IsNullOrEmpty(path))
        {
            return;
        }

        // A leading '@' names a socket in the abstract namespace.
        if (path[0] == '@')
        {
            path = "\0" + path[1..];
        }

        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            socket.Connect(new UnixDomainSocketEndPoint(path));
            socket.Send(Encoding.UTF8.GetBytes(state));
        }
        catch (SocketException)
        {
            // Not under systemd after all; nothing to tell.
        }
    }
}
