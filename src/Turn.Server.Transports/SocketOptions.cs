using System.Net.Sockets;

namespace Turn.Server.Transports;

/// <summary>Socket options .NET has no named setter for.</summary>
internal static class SocketOptions
{
    private const int SolSocket = 1;   // Linux SOL_SOCKET
    private const int SoReusePort = 15; // Linux SO_REUSEPORT

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
}
