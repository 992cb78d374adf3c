namespace Turn.Configuration.Tests;

public class SearchPathTests
{
    private static readonly string[] Dirs = ["./", "./etc/", "../etc/"];

    [Fact]
    public void DefaultNameIsFoundInTheFirstSearchDirectoryThatHasIt()
    {
        using var env = new TestEnv();
        env.Write("work/etc/turnserver.conf", "listening-port=4002\n");
        var settings = new ConfigLoadSettings
        {
            WorkingDirectory = Path.Combine(env.Directory, "work"), SearchDirectories = Dirs, CheckFiles = false,
        };
        Assert.Equal(4002, TurnServerConfigLoader.Load([], settings).Config.ListeningPort);

        var inDot = env.Write("work/turnserver.conf", "listening-port=4001\n");
        var r = TurnServerConfigLoader.Load([], settings);
        Assert.Equal(4001, r.Config.ListeningPort);
        Assert.Equal(inDot, r.Config.ConfigFile);
    }

    [Fact]
    public void ParentEtcIsSearched()
    {
        using var env = new TestEnv();
        var path = env.Write("etc/turnserver.conf", "listening-port=4003\n");
        var settings = new ConfigLoadSettings
        {
            WorkingDirectory = Path.Combine(env.Directory, "bin"), SearchDirectories = Dirs, CheckFiles = false,
        };
        var r = TurnServerConfigLoader.Load([], settings);
        Assert.Equal(4003, r.Config.ListeningPort);
        Assert.Equal(path, r.Config.ConfigFile);
    }

    [Fact]
    public void RelativeDashCNameUsesTheSearchPath()
    {
        using var env = new TestEnv();
        env.Write("etc/other.conf", "listening-port=4004\n");
        env.Write("turnserver.conf", "listening-port=4999\n");
        var settings = new ConfigLoadSettings { WorkingDirectory = env.Directory, SearchDirectories = Dirs, CheckFiles = false };
        Assert.Equal(4004, TurnServerConfigLoader.Load(["-c", "other.conf"], settings).Config.ListeningPort);
        Assert.Equal(4004, TurnServerConfigLoader.Load(["-cother.conf"], settings).Config.ListeningPort);
    }

    [Fact]
    public void AbsoluteDashCNameIsUsedAsIs()
    {
        using var env = new TestEnv();
        var path = env.Write("somewhere/x.conf", "listening-port=4005\n");
        var settings = new ConfigLoadSettings { WorkingDirectory = "/nonexistent", SearchDirectories = Dirs, CheckFiles = false };
        var r = TurnServerConfigLoader.Load(["-c", path], settings);
        Assert.Equal(4005, r.Config.ListeningPort);
        Assert.Equal(path, r.Config.ConfigFile);
    }

    [Fact]
    public void MissingConfigFileIsAWarningAndDefaultsApply()
    {
        using var env = new TestEnv();
        var r = env.LoadNoFiles("-c", "absent.conf", "-p", "4006");
        Assert.Null(r.Config.ConfigFile);
        Assert.Equal(4006, r.Config.ListeningPort);
        Assert.Contains(r.Warnings, w => w.StartsWith("cannot find config file 'absent.conf'", StringComparison.Ordinal));
    }

    [Fact]
    public void DashNSkipsTheConfigFile()
    {
        using var env = new TestEnv();
        env.WriteConfig("listening-port=4007\n");
        var r = env.LoadNoFiles("-n");
        Assert.Equal(3478, r.Config.ListeningPort);
        Assert.True(r.Config.NoConfigFile);
        Assert.Null(r.Config.ConfigFile);
        Assert.Empty(r.Warnings);
    }

    [Fact]
    public void DefaultSearchPathIsCoturns()
    {
        Assert.Equal(["./", "./etc/", "../etc/", "/etc/", "/usr/local/etc/"], ConfigLoadSettings.DefaultSearchDirectories);
        var settings = new ConfigLoadSettings { InstallPrefix = "/opt/turn" };
        Assert.Null(settings.FindFile("surely-not-here-" + Guid.NewGuid().ToString("N") + ".conf"));
    }

    [Fact]
    public void FileSystemHooksAreUsed()
    {
        var settings = new ConfigLoadSettings
        {
            WorkingDirectory = "/virtual",
            SearchDirectories = ["/etc/"],
            IsFileReadable = p => p == "/etc/turnserver.conf",
            ReadAllLines = _ => ["listening-port 4008"],
            CheckFiles = false,
        };
        var r = TurnServerConfigLoader.Load([], settings);
        Assert.Equal("/etc/turnserver.conf", r.Config.ConfigFile);
        Assert.Equal(4008, r.Config.ListeningPort);
    }
}
