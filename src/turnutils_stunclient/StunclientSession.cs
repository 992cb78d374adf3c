using System.Net;
using System.Net.Sockets;
using Turn.Client;

namespace Turn.Utils.Stunclient;

/// <summary>Something that ends the program with exit code 255 (coturn's <c>err(-1, ...)</c>) after a message on stderr.</summary>
internal sealed class FatalException(string message) : Exception(message);

/// <summary>
/// coturn's turnutils_stunclient flow: one plain Binding request over UDP; if the answer carries OTHER-ADDRESS
/// (the server does RFC 5780), or with -f, two more: CHANGE-REQUEST(ip, port) with RESPONSE-PORT = our port + 1
/// (answered on a new socket bound to that port, which is then kept), and CHANGE-REQUEST(ip, port) with
/// 1500 bytes of PADDING. Unlike coturn's tool, requests are retransmitted (RFC 8489) and the wait is bounded.
/// </summary>
internal sealed class StunclientSession(CommandLine commandLine, CoturnOutput output) : IDisposable
{
    private readonly StunClientOptions _options = new() { Timeout = commandLine.Timeout };
    private Socket? _socket;
    private IPEndPoint? _server;
    private bool _rfc5780;
    private int _counter;

    public async Task<int> RunAsync()
    {
        IPAddress remote = Resolve(commandLine.ServerAddress!);
        _server = new IPEndPoint(remote, commandLine.Port);
        _socket = new Socket(remote.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        if (commandLine.LocalAddress is { } localText)
        {
            IPAddress local = Resolve(localText);
            Bind(_socket, new IPEndPoint(local, 0));
        }

        int localPort = await RequestAsync(responsePort: null, change: false, padding: false).ConfigureAwait(false);
        if (_rfc5780 || commandLine.ForceRfc5780)
        {
            await RequestAsync(responsePort: localPort + 1, change: true, padding: false).ConfigureAwait(false);
            await RequestAsync(responsePort: null, change: true, padding: true).ConfigureAwait(false);
        }
        return 0;
    }

    /// <summary>One transaction; returns the local port it was sent from.</summary>
    private async Task<int> RequestAsync(int? responsePort, bool change, bool padding)
    {
        Socket socket = _socket!;
        Socket? responseSocket = null;
        if (responsePort is { } rp)
        {
            if (rp > ushort.MaxValue) throw new FatalException($"{CommandLine.Program}: no port above {rp - 1} for RESPONSE-PORT");
            IPAddress localAddress = (socket.LocalEndPoint as IPEndPoint)?.Address
                ?? (socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any);
            responseSocket = new Socket(socket.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            Bind(responseSocket, new IPEndPoint(localAddress, rp));
        }

        var request = new StunBindingRequest
        {
            ResponsePort = (ushort?)responsePort,
            ChangeIp = change,
            ChangePort = change,
            PaddingLength = padding ? 1500 : 0,
        };

        StunBindingResponse response;
        using (var client = new StunUdpClient(socket, _options, ownsSocket: false))
        {
            try
            {
                response = await client.BindingAsync(_server!, request, responseSocket ?? socket).ConfigureAwait(false);
            }
            catch (StunTimeoutException e)
            {
                responseSocket?.Dispose();
                throw new FatalException($"{CommandLine.Program}: {e.Message}");
            }
            catch (SocketException e)
            {
                responseSocket?.Dispose();
                throw new FatalException($"{CommandLine.Program}: cannot send to {_server}: {e.Message}");
            }
        }

        int localPort = (socket.LocalEndPoint as IPEndPoint)?.Port ?? 0;
        if (responseSocket is not null)
        {
            // Like coturn: the socket the response came to becomes the one we use from now on.
            socket.Dispose();
            _socket = responseSocket;
        }
        Print(response);
        return localPort;
    }

    private void Print(StunBindingResponse response)
    {
        if (!response.IsSuccess)
        {
            output.Printf(response.ErrorCode != 0
                ? $"The response is an error {response.ErrorCode} ({response.ErrorReason})\n"
                : "The response is an unrecognized error\n");
            return;
        }
        if (response.XorMappedAddress is not { } reflexive)
        {
            output.Printf("Cannot read the response\n");
            return;
        }
        if (response.OtherAddress is { } other)
        {
            _rfc5780 = true;
            output.Printf("\n========================================\n");
            output.Printf($"RFC 5780 response {++_counter}\n");
            if (response.ResponseOrigin is { } origin) output.Address(origin, "Response origin: ");
            output.Address(other, "Other addr: ");
        }
        output.Address(reflexive, "UDP reflexive addr");
    }

    /// <summary>coturn's make_ioa_addr: an IPv4 or IPv6 literal, else a name resolved preferring IPv4.</summary>
    private static IPAddress Resolve(string host)
    {
        if (IPAddress.TryParse(host, out IPAddress? literal)) return literal;
        IPAddress[] found;
        try
        {
            found = Dns.GetHostAddresses(host);
        }
        catch (SocketException e)
        {
            throw new FatalException($"error resolving '{host}' hostname: {ResolverError(e)}");
        }
        catch (ArgumentException)
        {
            throw new FatalException($"error resolving '{host}' hostname: Name or service not known");
        }
        return found.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
               ?? found.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetworkV6)
               ?? throw new FatalException($"error resolving '{host}' hostname: Name or service not known");
    }

    private static string ResolverError(SocketException e) => e.SocketErrorCode switch
    {
        SocketError.HostNotFound or SocketError.NoData => "Name or service not known",
        SocketError.TryAgain => "Temporary failure in name resolution",
        _ => e.Message,
    };

    private static void Bind(Socket socket, IPEndPoint local)
    {
        try
        {
            socket.Bind(local);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new FatalException($"bind: {e.Message}\n{CommandLine.Program}: cannot use local address {local}");
        }
    }

    public void Dispose() => _socket?.Dispose();
}
