using System.Diagnostics;
using Turn.Protocol;
using Turn.Server.Tests.Engine;

namespace Turn.Server.Tests.TcpRelay;

/// <summary>
/// max-allocate-timeout (coturn: "max time allowed for full allocation establishment") on real TCP and TLS
/// connections: without an allocation by then a connection is closed, however busy; with one it stays.
/// </summary>
public sealed class MaxAllocateTimeoutTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ABusyConnectionWithoutAnAllocationIsClosedAndAnAllocatedOneStays(bool tls)
    {
        using var server = new TcpRelayTestServer(workers: 1, tls: tls, configure: o => o with { MaxAllocateTimeoutSeconds = 1 });
        using TcpRelayTestClient allocated = TcpRelayTestClient.Connect(tls ? server.Tls : server.Tcp, tls);
        Assert.Equal(0, EngineHarness.ErrorCodeOf(allocated.Request(StunMethod.Allocate, b => b.RequestedTransport(17))));

        // Binding requests back to back: activity does not keep a connection that never allocates.
        using TcpRelayTestClient busy = TcpRelayTestClient.Connect(tls ? server.Tls : server.Tcp, tls);
        var clock = Stopwatch.StartNew();
        int answered = 0;
        while (clock.Elapsed < Bound && BindingAnswered(busy))
        {
            answered++;
        }

        Assert.True(clock.Elapsed < Bound, "the connection without an allocation was never closed");
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1), $"closed after {clock.Elapsed}, before the timeout");
        Assert.True(answered > 0);

        // Older than the timeout too, but allocated: still served.
        Assert.Equal(0, EngineHarness.ErrorCodeOf(allocated.Request(StunMethod.Binding)));
    }

    private static bool BindingAnswered(TcpRelayTestClient client)
    {
        try
        {
            return EngineHarness.ErrorCodeOf(client.Request(StunMethod.Binding)) == 0;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or Xunit.Sdk.XunitException) // reset, or "the server closed the connection"
        {
            return false;
        }
    }
}
