using System.Net;

namespace Turn.Configuration.Tests;

/// <summary>A private temporary directory used as working directory and the only search directory.</summary>
internal sealed class TestEnv : IDisposable
{
    public TestEnv()
    {
        Directory = Path.Combine(Path.GetTempPath(), "turncfg-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Directory { get; }

    public List<string> ResolvedHosts { get; } = [];

    public ConfigLoadSettings Settings(bool checkFiles = true, IReadOnlyList<string>? searchDirectories = null) => new()
    {
        WorkingDirectory = Directory,
        SearchDirectories = searchDirectories ?? ["./"],
        CheckFiles = checkFiles,
        ResolveHost = host =>
        {
            ResolvedHosts.Add(host);
            return host == "turn.example.org" ? [IPAddress.Parse("192.0.2.7")] : [];
        },
    };

    public string Write(string relativePath, string content)
    {
        var path = Path.Combine(Directory, relativePath);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    public string WriteConfig(string content, string name = "turnserver.conf") => Write(name, content);

    /// <summary>Loads with the file checks on; adds no-tls/no-dtls so that the default certificate is not looked for.</summary>
    public ConfigLoadResult Load(params string[] args) => TurnServerConfigLoader.Load(args, Settings());

    public ConfigLoadResult LoadNoFiles(params string[] args) => TurnServerConfigLoader.Load(args, Settings(checkFiles: false));

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

internal static class TestData
{
    public static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "TestData", name);

    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Turn.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Turn.sln not found above " + AppContext.BaseDirectory);
    }
}
