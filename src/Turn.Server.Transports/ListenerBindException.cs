using System.Net;
using System.Net.Sockets;

namespace Turn.Server.Transports;

/// <summary>A listening address could not be bound (taken port, address not local, no permission).</summary>
public sealed class ListenerBindException : Exception
{
    public ListenerBindException(string transport, IPEndPoint endpoint, SocketException inner)
        : base($"cannot listen on {transport} {Format(endpoint)}: {Describe(inner)}", inner)
    {
        Transport = transport;
        EndPoint = endpoint;
    }

    public string Transport { get; }

    public IPEndPoint EndPoint { get; }

    public static string Format(IPEndPoint endpoint) =>
        endpoint.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{endpoint.Address}]:{endpoint.Port}" : $"{endpoint.Address}:{endpoint.Port}";

    private static string Describe(SocketException e) => e.SocketErrorCode switch
    {
        SocketError.AddressAlreadyInUse => "the port is already in use by another process",
        SocketError.AddressNotAvailable => "the address is not assigned to this machine",
        SocketError.AccessDenied => "permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)",
        _ => e.Message,
    };
}
