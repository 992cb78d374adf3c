using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Turn.Client.Tests.Turn;

/// <summary>
/// One TURN server implementation under test, started twice on 127.0.0.1 (and ::1) with free ports: a long-term
/// credentials server (bob:secret, realm example.org) and a REST API one (static-auth-secret "logen"); plus our
/// turnutils_peer echoing on 127.0.0.1 and ::1. Readiness is a STUN Binding answer (servers) or an echo (peer),
/// polled within a bounded time. Everything is killed at the end.
/// </summary>
public abstract class RelayFixture : IAsyncLifetime
{
    public const string User = "bob";
    public const string Password = "secret";
    public const string Realm = "example.org";
    public const string RestSecret = "logen";
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(20);

    private readonly List<ChildProcess> _processes = [];
    private string _dir = "";

    /// <summary>Name in messages ("coturn" / "ours").</summary>
    public abstract string Name { get; }

    /// <summary>Whether the server relays for clients connected over TCP (uclient -t).</summary>
    public abstract bool SupportsTcp { get; }

    public int Port { get; private set; }

    public int RestPort { get; private set; }

    public int PeerPort { get; private set; }

    public IPEndPoint Server => new(IPAddress.Loopback, Port);

    public IPEndPoint RestServer => new(IPAddress.Loopback, RestPort);

    public ChildProcess MainServer { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _dir = Directory.CreateTempSubdirectory("turn-client-tests-").FullName;
        PeerPort = FreePorts.Find(2);
        Port = FreePorts.Find(2);
        RestPort = FreePorts.Find(2);
        int relays = FreePorts.RelayRange(400);
        var peer = Track(ChildProcess.StartDotnet("turnutils_peer", ["-p", PeerPort.ToString(), "-L", "127.0.0.1", "-L", "::1"]));
        MainServer = Track(StartServer(Port, relays, relays + 199, rest: false, _dir));
        ChildProcess rest = Track(StartServer(RestPort, relays + 200, relays + 399, rest: true, _dir));
        await Task.WhenAll(
            WaitForPeerAsync(peer),
            WaitForStunAsync(MainServer, new IPEndPoint(IPAddress.Loopback, Port)),
            WaitForStunAsync(MainServer, new IPEndPoint(IPAddress.IPv6Loopback, Port)),
            WaitForStunAsync(rest, new IPEndPoint(IPAddress.Loopback, RestPort)));
    }

    public Task DisposeAsync()
    {
        foreach (ChildProcess p in _processes)
        {
            p.Dispose();
        }

        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }

        return Task.CompletedTask;
    }

    /// <summary>Starts the server on 127.0.0.1 and ::1 (<paramref name="rest"/>: REST API secret instead of bob:secret).</summary>
    protected abstract ChildProcess StartServer(int port, int minRelayPort, int maxRelayPort, bool rest, string dir);

    /// <summary>The options both implementations share (coturn's names).</summary>
    protected static List<string> CommonOptions(int port, int minRelayPort, int maxRelayPort, bool rest, string dir, string tag)
    {
        var args = new List<string>
        {
            "-n", "--no-cli", "--listening-ip=127.0.0.1", $"--listening-port={port}", "--log-file=stdout",
            $"--pidfile={Path.Combine(dir, tag + ".pid")}", $"--userdb={Path.Combine(dir, tag + ".db")}", "--no-tls", "--no-dtls",
            $"--min-port={minRelayPort}", $"--max-port={maxRelayPort}", "-r", Realm, "--allow-loopback-peers",
        };
        if (rest)
        {
            args.AddRange(["--use-auth-secret", $"--static-auth-secret={RestSecret}"]);
        }
        else
        {
            args.AddRange(["--listening-ip=::1", "-a", "-u", $"{User}:{Password}"]);
        }

        return args;
    }

    private ChildProcess Track(ChildProcess p)
    {
        _processes.Add(p);
        return p;
    }

    private async Task WaitForStunAsync(ChildProcess server, IPEndPoint endPoint)
    {
        var quick = new StunClientOptions { InitialRto = TimeSpan.FromMilliseconds(100), MaxTransmissions = 2, FinalWaitMultiplier = 2 };
        var clock = Stopwatch.StartNew();
        while (true)
        {
            Assert.False(server.HasExited, $"{Name} exited before answering on {endPoint}:\n{server.Output}");
            try
            {
                await StunClient.BindingAsync(endPoint, options: quick);
                return;
            }
            catch (Exception e) when (e is StunTimeoutException or SocketException)
            {
                if (clock.Elapsed > ReadyTimeout)
                {
                    Assert.Fail($"{Name} did not answer a STUN Binding on {endPoint} within {ReadyTimeout.TotalSeconds:0} s:\n{server.Output}");
                }

                await Task.Delay(50);
            }
        }
    }

    private async Task WaitForPeerAsync(ChildProcess peer)
    {
        var clock = Stopwatch.StartNew();
        foreach (IPAddress address in new[] { IPAddress.Loopback, IPAddress.IPv6Loopback })
        {
            foreach (int port in new[] { PeerPort, PeerPort + 1 })
            {
                using var socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
                socket.Connect(new IPEndPoint(address, port));
                byte[] buffer = new byte[16];
                while (true)
                {
                    Assert.False(peer.HasExited, $"turnutils_peer exited:\n{peer.Output}");
                    try
                    {
                        socket.Send("ping"u8);
                        if (socket.Poll(TimeSpan.FromMilliseconds(100), SelectMode.SelectRead) && socket.Receive(buffer) == 4)
                        {
                            break;
                        }
                    }
                    catch (SocketException)
                    {
                        await Task.Delay(50); // ICMP port unreachable: not bound yet
                    }

                    Assert.True(clock.Elapsed < ReadyTimeout, $"turnutils_peer did not echo on {address}:{port}:\n{peer.Output}");
                }
            }
        }
    }
}

/// <summary>coturn 4.6's turnserver, the reference implementation.</summary>
public sealed class CoturnFixture : RelayFixture
{
    public override string Name => "coturn";

    public override bool SupportsTcp => true;

    protected override ChildProcess StartServer(int port, int minRelayPort, int maxRelayPort, bool rest, string dir)
    {
        Assert.True(File.Exists(RepoPaths.CoturnServer), $"coturn's turnserver not found at {RepoPaths.CoturnServer} (scripts/install-test-deps)");
        return ChildProcess.Start(RepoPaths.CoturnServer, CommonOptions(port, minRelayPort, maxRelayPort, rest, dir, rest ? "coturn-rest" : "coturn"));
    }
}

/// <summary>Our turnserver (bin/turnserver.dll or the newest build of src/turnserver).</summary>
public sealed class OurServerFixture : RelayFixture
{
    public override string Name => "ours";

    public override bool SupportsTcp => false;

    protected override ChildProcess StartServer(int port, int minRelayPort, int maxRelayPort, bool rest, string dir)
        => ChildProcess.StartDotnet("turnserver", CommonOptions(port, minRelayPort, maxRelayPort, rest, dir, rest ? "ours-rest" : "ours"));
}
