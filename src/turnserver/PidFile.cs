namespace Turn.Daemon;

/// <summary>The --pidfile: written once the server is listening, removed at a clean exit.</summary>
internal sealed class PidFile : IDisposable
{
    private PidFile(string path) => Path = path;

    public string Path { get; }

    /// <summary>coturn's default: /var/run/turnserver.pid for root, /var/tmp/turnserver.pid otherwise.</summary>
    public static string DefaultPath() =>
        Environment.UserName == "root" || IsRoot() ? "/var/run/turnserver.pid" : "/var/tmp/turnserver.pid";

    /// <summary>Writes the pid; returns null and sets <paramref name="error"/> if the file cannot be written.</summary>
    public static PidFile? TryCreate(string path, out string? error)
    {
        try
        {
            File.WriteAllText(path, Environment.ProcessId + "\n");
            error = null;
            return new PidFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = e.Message;
            return null;
        }
    }

    public void Dispose()
    {
        try
        {
            File.Delete(Path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Nothing useful to do at exit.
        }
    }

    private static bool IsRoot() => OperatingSystem.IsLinux() && NativeMethods.geteuid() == 0;
}
