using System.Net;
using System.Net.Sockets;
using Turn.Utils.Peer;

// turnutils_peer: coturn's UDP echo peer for turnutils_uclient. It binds port and port+1 on every -L address
// (default 0.0.0.0 and ::) and echoes each datagram back to its source, one thread per socket.
PeerOptions? options = PeerOptions.Parse(args, out string? error, out bool help);
if (help)
{
    Console.Out.Write(PeerOptions.Usage);
    return 0;
}

if (options is null)
{
    Console.Error.WriteLine($"turnutils_peer: {error}");
    Console.Error.Write(PeerOptions.Usage);
    return 1;
}

var sockets = new List<EchoSocket>();
foreach (IPAddress address in options.Addresses)
{
    foreach (int port in new[] { options.Port, options.Port + 1 })
    {
        if (port > 65535)
        {
            continue;
        }

        try
        {
            sockets.Add(EchoSocket.Open(address, port, options.Device, options.Verbose, gso: !options.NoGso));
        }
        catch (Exception e) when (e is SocketException or PlatformNotSupportedException)
        {
            // The default wildcard pair tolerates a machine without IPv6; an explicit -L must bind.
            if (options.DefaultAddresses && address.AddressFamily == AddressFamily.InterNetworkV6)
            {
                if (options.Verbose)
                {
                    Console.Error.WriteLine($"turnutils_peer: not listening on [{address}]:{port}: {e.Message}");
                }

                continue;
            }

            Console.Error.WriteLine($"turnutils_peer: cannot listen on {new IPEndPoint(address, port)}: {e.Message}");
            return 1;
        }
    }
}

if (sockets.Count == 0)
{
    Console.Error.WriteLine("turnutils_peer: no socket could be bound");
    return 1;
}

var threads = new List<Thread>();
foreach (EchoSocket s in sockets)
{
    threads.Add(s.Start());
    if (options.Verbose)
    {
        Console.Out.WriteLine($"turnutils_peer: echoing UDP on {s.LocalEndPoint}");
    }
}

Console.Out.Flush();
foreach (Thread t in threads)
{
    t.Join();
}

return 0;
