namespace Turn.Interop.Tests;

/// <summary>
/// Issue 9, first list, re-run against bin/turnserver as a new user starts it: authentication cannot be switched off
/// by accident, and privileges are dropped when asked.
/// </summary>
public sealed class SafeDefaultsInteropTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public void UsersWithoutDashATurnLongTermCredentialsOnAsCoturnDoes()
    {
        (RunningProcess server, int port) = Servers.StartOurs("--user=alice:secret", "--realm=example.org");
        using (server)
        {
            Assert.Contains("I am turning --lt-cred-mech ON for you", server.Output);
            using var client = new RawTurnAllocate(port);
            (int code, string realm, string nonce) = client.Send([]);
            Assert.Equal(401, code);
            Assert.Equal(0, client.Send([], "alice", "secret", realm, nonce).Code);
        }
    }

    [Fact]
    public void NoMechanismAndNoUsersIsNotAnOpenRelay()
    {
        (RunningProcess server, int port) = Servers.StartOurs();
        using (server)
        {
            using var client = new RawTurnAllocate(port);
            Assert.Equal(401, client.Send([]).Code);
        }
    }

    [Fact]
    public void AnOpenRelayNeedsNoAuthAndSaysSo()
    {
        (RunningProcess server, int port) = Servers.StartOurs("--no-auth");
        using (server)
        {
            using var client = new RawTurnAllocate(port);
            Assert.Equal(0, client.Send([]).Code);
            Assert.Contains("open TURN relay", server.Output);
        }
    }

    [Fact]
    public void NoAuthTogetherWithLongTermCredentialsIsAConfigError()
    {
        string dir = Servers.TempDir();
        (int code, string output) = RunningProcess.Run(
            RepoPaths.Bin("turnserver"),
            ["-n", "--listening-ip=127.0.0.1", "--listening-port=0", "--log-file=stdout", $"--pidfile={dir}/p.pid", "--no-auth", "-a", "-u", "bob:secret"],
            Timeout);
        Assert.NotEqual(0, code);
        Assert.Contains("no-auth", output);
        Assert.DoesNotContain("is listening", output);
    }

    [Fact]
    public void AnUnknownProcUserIsAFatalConfigError()
    {
        string dir = Servers.TempDir();
        (int code, string output) = RunningProcess.Run(
            RepoPaths.Bin("turnserver"),
            ["-n", "--listening-ip=127.0.0.1", "--listening-port=0", "--log-file=stdout", $"--pidfile={dir}/p.pid", "--proc-user=no-such-user-here"],
            Timeout);
        Assert.NotEqual(0, code);
        Assert.Contains("proc-user", output);
        Assert.Contains("no-such-user-here", output);
        Assert.DoesNotContain("is listening", output);
    }
}
