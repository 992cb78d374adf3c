namespace Turn.Interop.Tests;

/// <summary>bin/turnserver as an operator runs it: configs, signals, pid file, exit codes.</summary>
public sealed class DaemonLifecycleTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public void SigtermExitsCleanlyAndRemovesThePidFile()
    {
        string dir = Servers.TempDir();
        string pidFile = Path.Combine(dir, "t.pid");
        (RunningProcess server, _) = Servers.StartOurs($"--pidfile={pidFile}");
        using (server)
        {
            Assert.Equal(server.Id.ToString(), File.ReadAllText(pidFile).Trim());
            server.Signal(NativeSignals.SIGTERM);
            Assert.Equal(0, server.WaitForExit(Timeout));
            Assert.False(File.Exists(pidFile), "pid file left behind");
        }
    }

    [Fact]
    public void SigintExitsCleanly()
    {
        (RunningProcess server, _) = Servers.StartOurs();
        using (server)
        {
            server.Signal(NativeSignals.SIGINT);
            Assert.Equal(0, server.WaitForExit(Timeout));
        }
    }

    [Fact]
    public void ATakenPortIsAClearFatalError()
    {
        (RunningProcess first, int port) = Servers.StartOurs("-m", "2");
        using (first)
        {
            string dir = Servers.TempDir();
            (int code, string output) = RunningProcess.Run(
                RepoPaths.Bin("turnserver"),
                ["-n", "--listening-ip=127.0.0.1", $"--listening-port={port}", "--log-file=stdout", $"--pidfile={dir}/p.pid", "-m", "2"],
                Timeout);
            Assert.NotEqual(0, code);
            Assert.Contains($"127.0.0.1:{port}", output);
            Assert.Contains("already in use", output);
            Assert.DoesNotContain("is listening", output);
        }
    }

    [Fact]
    public void SighupReopensTheLogFile()
    {
        string dir = Servers.TempDir();
        string log = Path.Combine(dir, "turn.log");
        (RunningProcess server, int port) = Servers.StartOurs($"--log-file={log}", "--simple-log", "--log-binding");
        using (server)
        {
            WaitForFileLine(log, "is listening");
            string rotated = log + ".1";
            File.Move(log, rotated);
            server.Signal(NativeSignals.SIGHUP);
            WaitForFileLine(log, "log reopened");
            Servers.WaitForBinding(port, Timeout);
            WaitForFileLine(log, "Binding request from 127.0.0.1");
            Assert.DoesNotContain("log reopened", File.ReadAllText(rotated));
        }
    }

    [Fact]
    public void AnUnknownCommandLineOptionIsFatalAndNamed()
    {
        (int code, string output) = RunningProcess.Run(RepoPaths.Bin("turnserver"), ["-n", "--no-such-option"], Timeout);
        Assert.NotEqual(0, code);
        Assert.Contains("no-such-option", output);
    }

    [Theory]
    [InlineData("--listening-port=99999", "listening-port")]
    [InlineData("--listening-port=abc", "listening-port")]
    [InlineData("--listening-ip=300.1.2.3", "listening-ip")]
    [InlineData("--fingerprint=maybe", "fingerprint")]
    public void ABadValueOnTheCommandLineIsFatalAndNamed(string arg, string option)
    {
        (int code, string output) = RunningProcess.Run(RepoPaths.Bin("turnserver"), ["-n", arg], Timeout);
        Assert.NotEqual(0, code);
        Assert.Contains(option, output);
        Assert.Contains(arg.Split('=')[1], output);
    }

    [Fact]
    public void ABadValueInTheConfigFileNamesFileAndLine()
    {
        string dir = Servers.TempDir();
        string conf = Path.Combine(dir, "bad.conf");
        File.WriteAllLines(conf, ["# comment", "listening-port=3478", "min-port=60000", "max-port=50000"]);
        (int code, string output) = RunningProcess.Run(RepoPaths.Bin("turnserver"), ["-c", conf], Timeout);
        Assert.NotEqual(0, code);
        Assert.Contains("min-port", output);
        Assert.Contains("bad.conf", output);
    }

    [Theory]
    [InlineData("/usr/share/doc/coturn/examples/etc/turnserver.conf")]
    [InlineData("etc/turnserver.conf")]
    public void ShippedConfigsParseAndServe(string config)
    {
        string path = Path.IsPathRooted(config) ? config : Path.Combine(RepoPaths.Root, config);
        Assert.True(File.Exists(path), path + " missing (coturn package installed?)");
        string dir = Servers.TempDir();
        using RunningProcess p = RunningProcess.Start(
            RepoPaths.Bin("turnserver"),
            ["-c", path, "--listening-ip=127.0.0.1", "--listening-port=0", "--log-file=stdout", $"--pidfile={dir}/p.pid", "--no-tls", "--no-dtls"],
            dir);
        p.WaitForLine("is listening", Timeout);
        Assert.DoesNotContain("ERROR", p.Output);
        p.Signal(NativeSignals.SIGTERM);
        Assert.Equal(0, p.WaitForExit(Timeout));
    }

    [Fact]
    public void HelpAndVersionExitZero()
    {
        (int code, string help) = RunningProcess.Run(RepoPaths.Bin("turnserver"), ["-h"], Timeout);
        Assert.Equal(0, code);
        Assert.Contains("--listening-port", help);
        (code, string version) = RunningProcess.Run(RepoPaths.Bin("turnserver"), ["--version"], Timeout);
        Assert.Equal(0, code);
        Assert.False(string.IsNullOrWhiteSpace(version));
    }

    [Fact]
    public void Rfc5769CheckPasses()
    {
        (int code, string output) = RunningProcess.Run(RepoPaths.Bin("turnutils_rfc5769check"), [], Timeout);
        Assert.True(code == 0, output);
    }

    private static void WaitForFileLine(string path, string text)
    {
        var until = DateTime.UtcNow + Timeout;
        while (DateTime.UtcNow < until)
        {
            // The file sink flushes at least every second; poll its content (bounded).
            if (File.Exists(path))
            {
                using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var reader = new StreamReader(fs);
                if (reader.ReadToEnd().Contains(text, StringComparison.Ordinal))
                {
                    return;
                }
            }

            Thread.Sleep(50);
        }

        throw new TimeoutException($"\"{text}\" did not appear in {path}");
    }
}
