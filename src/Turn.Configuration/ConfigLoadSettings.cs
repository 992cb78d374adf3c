using System.Net;

namespace Turn.Configuration;

/// <summary>Environment of a configuration load; the defaults are the real process environment.</summary>
public sealed class ConfigLoadSettings
{
    /// <summary>coturn's search path for relative file names (config file, cert, key, CA, DH file).</summary>
    public static IReadOnlyList<string> DefaultSearchDirectories { get; } = ["./", "./etc/", "../etc/", "/etc/", "/usr/local/etc/"];

    /// <summary>Base for relative search directories; default: the current directory.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Replaces the whole search path (including the install-prefix entry) when set.</summary>
    public IReadOnlyList<string>? SearchDirectories { get; init; }

    /// <summary>Install prefix; "&lt;prefix&gt;/etc/" ends the default search path. Default: the parent of the application directory.</summary>
    public string? InstallPrefix { get; init; }

    /// <summary>Configuration file name used when no -c is given.</summary>
    public string DefaultConfigFileName { get; init; } = "turnserver.conf";

    /// <summary>When false, certificate/key/CA/DH files are neither looked up nor checked.</summary>
    public bool CheckFiles { get; init; } = true;

    /// <summary>File-system hook: is this (full) path a readable regular file?</summary>
    public Func<string, bool>? IsFileReadable { get; init; }

    /// <summary>File-system hook: the lines of a file.</summary>
    public Func<string, IReadOnlyList<string>>? ReadAllLines { get; init; }

    /// <summary>DNS hook for host names given where an address is expected; default: <see cref="Dns.GetHostAddresses(string)"/>.</summary>
    public Func<string, IPAddress[]>? ResolveHost { get; init; }

    internal string BaseDirectory => WorkingDirectory ?? Environment.CurrentDirectory;

    internal IReadOnlyList<string> EffectiveSearchDirectories
    {
        get
        {
            if (SearchDirectories is not null)
            {
                return SearchDirectories;
            }

            var prefix = InstallPrefix ?? Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, ".."));
            return [.. DefaultSearchDirectories, Path.Combine(prefix, "etc") + Path.DirectorySeparatorChar];
        }
    }

    internal bool FileReadable(string path)
    {
        if (IsFileReadable is not null)
        {
            return IsFileReadable(path);
        }

        try
        {
            if (!File.Exists(path))
            {
                return false;
            }

            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    internal IReadOnlyList<string> ReadLines(string path) => ReadAllLines is not null ? ReadAllLines(path) : File.ReadAllLines(path);

    internal IPAddress[] Resolve(string host) => ResolveHost is not null ? ResolveHost(host) : Dns.GetHostAddresses(host);

    /// <summary>
    /// coturn's file search: an absolute name is used as is; a relative one is tried in each search directory.
    /// Returns the full path of the first readable match, or null.
    /// </summary>
    public string? FindFile(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0)
        {
            return null;
        }

        if (name.StartsWith("~/", StringComparison.Ordinal))
        {
            var home = Environment.GetEnvironmentVariable("HOME");
            if (!string.IsNullOrEmpty(home))
            {
                name = Path.Combine(home, name[2..]);
            }
        }

        if (Path.IsPathRooted(name))
        {
            return FileReadable(name) ? name : null;
        }

        foreach (var dir in EffectiveSearchDirectories)
        {
            var candidate = Path.GetFullPath(Path.Combine(BaseDirectory, dir, name));
            if (FileReadable(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}

/// <summary>Outcome of <see cref="TurnServerConfigLoader.Load(string[])"/>.</summary>
public sealed class ConfigLoadResult
{
    internal ConfigLoadResult(TurnServerConfig config, IReadOnlyList<string> warnings, bool showHelp, bool showVersion)
    {
        Config = config;
        Warnings = warnings;
        ShowHelp = showHelp;
        ShowVersion = showVersion;
        HelpText = showHelp ? HelpWriter.Render() : null;
        VersionText = showVersion ? ProductInfo.VersionLine : null;
    }

    /// <summary>The settings (defaults only when <see cref="ShowHelp"/> or <see cref="ShowVersion"/>).</summary>
    public TurnServerConfig Config { get; }

    /// <summary>Non-fatal problems, ready to print (file:line where known), in the order found.</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>-h was given: print <see cref="HelpText"/> and exit 0.</summary>
    public bool ShowHelp { get; }

    /// <summary>--version was given: print <see cref="VersionText"/> and exit 0.</summary>
    public bool ShowVersion { get; }

    /// <summary>Help text when <see cref="ShowHelp"/>.</summary>
    public string? HelpText { get; }

    /// <summary>Version line when <see cref="ShowVersion"/>.</summary>
    public string? VersionText { get; }
}
