using System.Net;

namespace Turn.Client;

/// <summary>One-shot Binding requests over UDP or TCP.</summary>
public static class StunClient
{
    /// <summary>
    /// Sends a Binding request to <paramref name="server"/> and returns the matching response (success or error).
    /// UDP uses a fresh socket (bound to <paramref name="localEndPoint"/> if given) and retransmits per
    /// <paramref name="options"/>; TCP opens a connection and waits Ti.
    /// </summary>
    /// <exception cref="StunTimeoutException">No response in time.</exception>
    /// <exception cref="System.Net.Sockets.SocketException">The network refused (bind, connect, send).</exception>
    public static async Task<StunBindingResponse> BindingAsync(
        IPEndPoint server,
        StunTransport transport = StunTransport.Udp,
        StunBindingRequest? request = null,
        IPEndPoint? localEndPoint = null,
        StunClientOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(server);
        if (transport == StunTransport.Tcp)
            return await StunTcpClient.BindingAsync(server, request, localEndPoint, options, cancellationToken).ConfigureAwait(false);

        using var client = new StunUdpClient(server.AddressFamily, localEndPoint, options);
        return await client.BindingAsync(server, request, cancellationToken).ConfigureAwait(false);
    }
}
