namespace Turn.Interop.Tests;

public sealed class InstallScriptTests
{
    [Fact]
    public void InstallsUnderAPrefixAndUninstallsAgain()
    {
        string prefix = Servers.TempDir();
        string script = Path.Combine(RepoPaths.Root, "scripts", "install");
        (int code, string output) = RunningProcess.Run(script, ["--prefix", prefix], TimeSpan.FromMinutes(3), RepoPaths.Root);
        Assert.True(code == 0, output);
        foreach (string exe in new[] { "turnserver", "turnadmin", "turnutils_uclient", "turnutils_peer", "turnutils_stunclient", "turnutils_rfc5769check", "turnutils_oauth" })
        {
            Assert.True(File.Exists(Path.Combine(prefix, "bin", exe)), exe + " not installed");
        }

        Assert.True(File.Exists(Path.Combine(prefix, "share/man/man1/turnserver.1")));
        Assert.True(File.Exists(Path.Combine(prefix, "etc/turnserver.conf")));
        (int versionCode, string version) = RunningProcess.Run(Path.Combine(prefix, "bin", "turnserver"), ["--version"], TimeSpan.FromSeconds(20));
        Assert.True(versionCode == 0, version);

        (code, output) = RunningProcess.Run(script, ["--prefix", prefix, "--uninstall"], TimeSpan.FromMinutes(1), RepoPaths.Root);
        Assert.True(code == 0, output);
        Assert.False(File.Exists(Path.Combine(prefix, "bin", "turnserver")));
        Assert.False(Directory.Exists(Path.Combine(prefix, "lib", "turn-dotnet")));
        Assert.True(File.Exists(Path.Combine(prefix, "etc/turnserver.conf")), "configuration must be kept");
    }
}
