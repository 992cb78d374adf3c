namespace Turn.Interop.Tests;

/// <summary>Where the published executables (scripts/build → bin/) and coturn's binaries are.</summary>
internal static class RepoPaths
{
    public static readonly string Root = FindRoot();

    public static string Bin(string name)
    {
        string path = Path.Combine(Root, "bin", name);
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"{path} is missing: run scripts/build (scripts/test does) before the interop tests");
        }

        return path;
    }

    /// <summary>A coturn binary from the Debian package; a clear failure (not a skip) when absent.</summary>
    public static string Coturn(string name)
    {
        string path = Path.Combine("/usr/bin", name);
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"{path} is missing: install Debian's coturn package (scripts/test --with-deps does)");
        }

        return path;
    }

    private static string FindRoot()
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "Turn.sln")))
            {
                return d.FullName;
            }
        }

        throw new InvalidOperationException("cannot find the repository root (Turn.sln) above " + AppContext.BaseDirectory);
    }
}
