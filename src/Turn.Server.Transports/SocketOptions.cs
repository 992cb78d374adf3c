using System.Net.Sockets;

namespace Turn.Server.Transports;

/// <summary>Socket options .NET has no named setter for.</summary>
internal static class SocketOptions
{
    private const int SolSocket = 1;   // Linux SOL_SOCKET
    private const int SoReusePort = 15; // Linux SO_REUSEPORT
    private const int SoSndBufForce = 32; // Linux SO_SNDBUFFORCE (root/CAP_NET_ADMIN: above wmem_max)
    private const int SoRcvBufForce = 33; // Linux SO_RCVBUFFORCE

    /// <summary>Listener socket buffers: a burst of datagrams must not overflow while a worker is busy.</summary>
    public const int DefaultListenerBufferBytes = 4 * 1024 * 1024;

    /// <summary>
    /// Lets several sockets (one per worker) bind the same address; the kernel then spreads
    /// datagrams over them by a hash of the 4-tuple, so a client always reaches the same worker.
    /// </summary>
    public static void EnableReusePort(Socket socket)
    {
        if (OperatingSystem.IsLinux())
        {
            socket.SetRawSocketOption(SolSocket, SoReusePort, BitConverter.GetBytes(1));
        }
    }

    /// <summary>
    /// Asks for <paramref name="bytes"/> of receive and send buffer: beyond the system maximum when
    /// privileged (SO_*BUFFORCE), else as much as net.core.rmem_max / wmem_max allow.
    /// </summary>
    public static void SetBuffers(Socket socket, int bytes)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        byte[] value = BitConverter.GetBytes(bytes);
        try
        {
            socket.SetRawSocketOption(SolSocket, SoRcvBufForce, value);
            socket.SetRawSocketOption(SolSocket, SoSndBufForce, value);
        }
        catch (SocketException)
        {
            try
            {
                socket.ReceiveBufferSize = bytes;
                socket.SendBufferSize = bytes;
            }
            catch (SocketException)
            {
                // Keep the system default.
            }
        }
    }
}
